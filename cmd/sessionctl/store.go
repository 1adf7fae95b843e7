package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/inspect"
	"github.com/crumbhq/crumb/keyring"
)

// defaultReadLifetime is the default --max-lifetime of decode and revoke:
// no cap in practice (100 years), so that the token's own absolute expiry
// decides, whatever the application's absolute timeout — a cap shorter than
// a token's life would make decode misreport its expiry and a revocation
// entry lapse while the token still lives.
const defaultReadLifetime = 100 * 365 * 24 * time.Hour

// maxDictionaryFile caps a dictionary file, in bytes: far above the 64 KiB of
// content a dictionary may have, plus its entropy tables.
const maxDictionaryFile = 1 << 20

// storeFlags are the flags that say which tokens a command works on: the
// keyring that seals them, their purpose (cookie name and audience) and the
// application's compression dictionaries.
type storeFlags struct {
	keyring, name, audience string
	dictionaries            stringsFlag
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.keyring, "keyring", "", "")
	fs.StringVar(&sf.name, "name", "", "")
	fs.StringVar(&sf.audience, "audience", "", "")
	fs.Var(&sf.dictionaries, "dictionary", "")
}

// check reports a missing --keyring or --name.
func (sf *storeFlags) check() error {
	return required("keyring", sf.keyring, "name", sf.name)
}

// openStore returns a store with the keyring, name, audience and
// dictionaries of sf, the revocation set named by revSpec (none if ""; a
// missing file is created only if createRevs), and the rest of o, and a
// function that closes the store and its revocation set. Options the store
// refuses are usage errors: they all come from flags.
func (c *cli) openStore(sf *storeFlags, o cookie.Options, revSpec string, createRevs bool) (*cookie.Store, *keyring.Ring, func(), error) {
	kf, err := c.loadKeyring(sf.keyring)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(sf.dictionaries) > 0 {
		if o.Codec, err = c.codecWith(sf.dictionaries); err != nil {
			return nil, nil, nil, err
		}
	}
	closeRevs := func() {}
	if revSpec != "" {
		set, err := c.openRevocations(revSpec, createRevs, false)
		if err != nil {
			return nil, nil, nil, err
		}
		o.Revocations, closeRevs = set, func() { c.closeRevocations(set) }
	}
	o.Keys, o.Name, o.Audience = kf.ring, sf.name, sf.audience
	s, err := cookie.New(o)
	if err != nil {
		closeRevs()
		if errors.Is(err, cookie.ErrBadOptions) {
			return nil, nil, nil, usageErrorf("", "%s", strings.TrimPrefix(err.Error(), cookie.ErrBadOptions.Error()+": "))
		}
		return nil, nil, nil, err
	}
	return s, kf.ring, func() { s.Close(); closeRevs() }, nil
}

// codecWith returns the default codec with the application dictionaries in
// the files at paths: it compresses with the first and reads them all.
func (c *cli) codecWith(paths []string) (*codec.Codec, error) {
	dicts := make([]*codec.Dictionary, len(paths))
	for i, p := range paths {
		b, err := readFileBounded(c.path(p), maxDictionaryFile)
		if err != nil {
			return nil, fmt.Errorf("reading a dictionary: %w", err)
		}
		if dicts[i], err = codec.NewDictionary(b); err != nil {
			return nil, failf([]string{"a dictionary is a file written by `sessionctl dict train`"}, "dictionary %s: %w", p, err)
		}
	}
	return codec.New(codec.Options{Dictionary: dicts[0], Dictionaries: dicts[1:]})
}

// rejection explains why a token was refused: its class ("token is
// expired"), the exact reason, and hints that help an operator, who holds the
// keys, tell a rotation problem from a typo or a forgery.
func rejection(err error, tok, keyringPath string) error {
	class := tokenClass(err)
	if class == "" {
		return err
	}
	msg := "token is " + class
	reason := inspect.ReasonOf(err)
	if reason != inspect.ReasonNone && reason.String() != class {
		msg += " (" + reason.String() + ")"
	}
	var hints []string
	switch reason {
	case inspect.ReasonEncoding:
		hints = append(hints, fmt.Sprintf("a token is unpadded base64url, at least %d characters: pass the cookie's value only, without its name or quotes", inspect.MinTokenLen))
	case inspect.ReasonUnknownKey:
		hints = append(hints, fmt.Sprintf("it was sealed under key %s, which keyring %s does not have", headerKeyID(tok), keyringPath))
	case inspect.ReasonRetiredKey:
		hints = append(hints, fmt.Sprintf("it was sealed under key %s, retired in keyring %s", headerKeyID(tok), keyringPath))
	case inspect.ReasonAuth:
		hints = append(hints, "a token opens only with the --name and --audience it was minted for, and only if it was not altered")
	case inspect.ReasonFuture:
		hints = append(hints, fmt.Sprintf("it was issued by a server whose clock runs ahead of this one by more than the skew leeway (%v)", cookie.DefaultSkew))
	case inspect.ReasonDictionary:
		hints = append(hints, "it was compressed with an application dictionary: pass it with --dictionary FILE")
	case inspect.ReasonSerializer:
		hints = append(hints, "its data was written by a serializer other than JSON, which sessionctl cannot read")
	case inspect.ReasonTokenTooLarge:
		hints = append(hints, fmt.Sprintf("tokens are capped at %d characters", cookie.DefaultMaxTokenLen))
	}
	return withHints(fmt.Errorf("%s", msg), hints...)
}

// tokenClass returns the error class of a refused token, or "".
func tokenClass(err error) string {
	switch {
	case errors.Is(err, cookie.ErrInvalid):
		return "invalid"
	case errors.Is(err, cookie.ErrExpired):
		return "expired"
	case errors.Is(err, cookie.ErrRevoked):
		return "revoked"
	case errors.Is(err, cookie.ErrTooLarge):
		return "too large"
	}
	return ""
}

// headerKeyID returns the key ID in a token's header, readable without any
// key, or "?" if the token is too malformed to carry one.
func headerKeyID(tok string) string {
	h, err := inspect.ParseHeader(tok, len(tok))
	if err != nil && h.Version == 0 {
		return "?"
	}
	return keyring.FormatID(h.KeyID)
}
