package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/inspect"
	"github.com/crumbhq/crumb/keyring"
)

const revokeUsage = `Usage:
    sessionctl revoke --revocations SPEC --keyring FILE --name COOKIE
                      [--audience A] [--dictionary DICT]... [--max-lifetime D]
                      [--json] [TOKEN|-]
    sessionctl revoke --revocations SPEC --subject S [--max-lifetime D] [--json]

Revokes sessions in the application's revocation set, as logging out does.

With a token (the argument, or standard input when it is - or absent), revokes
its session: every token of it, older and newer, is refused from then on, until
its absolute expiry. The token must open with the keyring, name and audience
given; the outcome is reported:
    valid                  the session is revoked (exit status 0)
    already revoked        nothing to do (exit status 0, with a warning)
    past its idle deadline the session is revoked anyway, since a newer token
                           of it may be alive (exit status 0, with a warning)
    expired for good       past its absolute expiry, no token of the session
                           can be used: nothing is revoked (exit status 1)
    invalid, too large     not a token of this application: nothing is revoked
                           (exit status 1)

A session without a subject is anonymous: it carries no authority, so it
needs no revocation and none is made (the command says so and exits 0).
Sign users in (a subject) for their logout to be revocable.

With --subject, revokes every session of that subject created before now (to
the second): "log out everywhere". Sessions created afterwards are not
affected. No keyring is needed. The entry lasts --max-lifetime plus 60s of
skew, 12h by default as the application's default absolute timeout: give
the application's cookie.Options.SubjectRevocation if it sets a longer one.
An entry is never shortened: when an earlier one lasts longer, the output
says until when it lasts.

The revocation file may be the one the application is using: the
application sees a revocation made here within a second.

` + revocationsHelp + `

Options:
    --revocations SPEC   the revocation set (required; see above)
    --keyring FILE       the keyring file (with a token)
    --name COOKIE        the cookie name the token was minted for (with a token)
    --audience A         its audience label, if the application sets one
    --dictionary DICT    an application compression dictionary, to read tokens
                         compressed with it; repeat for more
    --subject S          revoke every session of subject S instead of one token
    --max-lifetime D     the longest a session of the application lives
                         (its absolute timeout). A token's entry lasts until
                         the token's own expiry plus 60s of skew, capped at
                         created + D (default: no cap, the token's own
                         expiry decides); a --subject entry lasts D plus
                         60s (default 12h, the application's default)
    --json               print {"revoked": "session" or "subject", "session_id",
                         "subject", "already", "before", "until"}, each field
                         only when it applies

Examples:
    sessionctl revoke --revocations /var/lib/myapp/revoked.log --keyring keyring.json --name session AQ8jLB0…
    sessionctl revoke --revocations /var/lib/myapp/revoked.log --subject alice
`

// revokedJSON is the output of revoke --json.
type revokedJSON struct {
	Revoked   string `json:"revoked,omitempty"`   // "session" or "subject"; none for an anonymous session
	Anonymous bool   `json:"anonymous,omitempty"` // the token's session has no subject: nothing to revoke
	SessionID string `json:"session_id,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Already   bool   `json:"already,omitempty"`
	Before    string `json:"before,omitempty"` // subject: sessions created before this are revoked
	Until     string `json:"until,omitempty"`  // when the revocation entry expires
}

func runRevoke(c *cli, args []string) error {
	fset := newFlagSet("revoke")
	var sf storeFlags
	sf.register(fset)
	revSpec := fset.String("revocations", "", "")
	// The default of --max-lifetime depends on the mode: see below.
	subject := fset.String("subject", "", "")
	maxLifetime := fset.Duration("max-lifetime", defaultReadLifetime, "")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := required("revocations", *revSpec); err != nil {
		return err
	}
	if err := wholeSeconds("max-lifetime", *maxLifetime, time.Second); err != nil {
		return err
	}
	if *subject != "" {
		if sf.keyring != "" || sf.name != "" || sf.audience != "" || len(sf.dictionaries) > 0 || len(pos) > 0 {
			return usageErrorf("", "--subject revokes by subject: it takes no token, --keyring, --name, --audience or --dictionary")
		}
		if len(*subject) > cookie.MaxSubjectLen || !utf8.ValidString(*subject) {
			return usageErrorf("", "--subject must be valid UTF-8 of at most %d bytes, as in a token", cookie.MaxSubjectLen)
		}
		if !flagSet(fset, "max-lifetime") {
			// As long as the application's sessions live by default: a
			// subject entry must outlive them, and no longer matters after.
			*maxLifetime = cookie.DefaultAbsoluteTimeout
		}
		return c.revokeSubject(*revSpec, *subject, *maxLifetime, *asJSON)
	}
	if err := wantArgs(pos, 0, 1, "TOKEN"); err != nil {
		return err
	}
	if sf.keyring == "" && sf.name == "" {
		return usageErrorf("", "give a token with --keyring and --name, or --subject")
	}
	if err := sf.check(); err != nil {
		return err
	}
	return c.revokeToken(*revSpec, &sf, pos, *maxLifetime, *asJSON)
}

// revokeToken revokes the session of one token.
func (c *cli) revokeToken(spec string, sf *storeFlags, pos []string, maxLifetime time.Duration, asJSON bool) error {
	store, _, closeStore, err := c.openStore(sf, cookie.Options{AbsoluteTimeout: maxLifetime, IdleTimeout: maxLifetime}, spec, true)
	if err != nil {
		return err
	}
	defer closeStore()
	tok, err := c.readToken(pos, cookie.DefaultMaxTokenLen)
	if err != nil {
		return rejection(err, tok, sf.keyring)
	}
	ctx := c.context()
	rec, err := store.Read(ctx, tok)
	out := revokedJSON{Revoked: "session"}
	switch reason := inspect.ReasonOf(err); {
	case err == nil && rec.Subject() == "":
		c.warnf("the token's session has no subject: it carries no authority, so it needs no revocation and none was made")
		out.Revoked, out.Anonymous = "", true
	case err == nil:
		if err := store.Revoke(ctx, rec); err != nil && !errors.Is(err, cookie.ErrPending) {
			return err
		} else if err != nil {
			c.warnf("%v", err)
		}
		out.SessionID = rec.ID().String()
		out.Until = timeText(rec.Expires().Add(cookie.DefaultSkew))
	case errors.Is(err, cookie.ErrRevoked):
		c.warnf("the token's session was already revoked; nothing changed")
		out.Already = true
	case reason == inspect.ReasonIdleExpired:
		// A newer token of the same session may be alive: revoke the
		// session, as logging out with a stale copy of the cookie does.
		if err := store.Delete(ctx, tok); err != nil {
			return err
		}
		c.warnf("the token is past its idle deadline; its session was revoked anyway, since a newer token of it may be alive")
	case reason == inspect.ReasonAbsoluteExpired:
		return failf([]string{"every token of its session has expired: there is nothing left to revoke"},
			"token is expired (absolute expired): nothing was revoked")
	default:
		return withHints(rejection(err, tok, sf.keyring), "nothing was revoked")
	}
	if asJSON {
		return c.printJSON(out)
	}
	switch {
	case out.Already:
		fmt.Fprintln(c.stdout, "session already revoked")
	case out.Anonymous:
		fmt.Fprintln(c.stdout, "nothing to revoke: the session has no subject")
	case out.SessionID != "":
		fmt.Fprintf(c.stdout, "revoked session %s until %s\n", out.SessionID, out.Until)
	default:
		fmt.Fprintln(c.stdout, "revoked the token's session")
	}
	return nil
}

// revokeSubject revokes every session of subject created before now.
func (c *cli) revokeSubject(spec, subject string, maxLifetime time.Duration, asJSON bool) error {
	set, err := c.openRevocations(spec, true, false)
	if err != nil {
		return err
	}
	defer c.closeRevocations(set)
	// A store needs a keyring to exist, though RevokeSubject never uses it:
	// give it a throwaway one, so that the revocation is made exactly as the
	// application's store makes it.
	key, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		return err
	}
	ring, err := keyring.NewRing(key)
	if err != nil {
		return err
	}
	store, err := cookie.New(cookie.Options{Keys: ring, AbsoluteTimeout: maxLifetime, Revocations: set})
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now()
	if err := store.RevokeSubject(c.context(), subject); err != nil && !errors.Is(err, cookie.ErrPending) {
		return err
	} else if err != nil {
		c.warnf("%v", err)
	}
	before, until := now.Truncate(time.Second), now.Truncate(time.Second).Add(maxLifetime+cookie.DefaultSkew)
	// Entries only grow: report the entry as it now is, which an earlier
	// revocation (or a collapse of the subject's entries) may have made
	// longer than asked.
	if e, ok := set.(interface {
		SubjectEntry(string) (before, until time.Time, ok bool)
	}); ok {
		if b, u, ok := e.SubjectEntry(subject); ok {
			before, until = b, u
		}
	}
	if want := now.Truncate(time.Second).Add(maxLifetime + cookie.DefaultSkew); until.After(want) {
		c.warnf("an existing entry for the subject lasts until %s, longer than asked: entries are never shortened", timeText(until))
	}
	if asJSON {
		return c.printJSON(revokedJSON{Revoked: "subject", Subject: subject, Before: timeText(before), Until: timeText(until)})
	}
	fmt.Fprintf(c.stdout, "revoked every session of subject %s created before %s, until %s\n", strconv.Quote(subject), timeText(before), timeText(until))
	return nil
}
