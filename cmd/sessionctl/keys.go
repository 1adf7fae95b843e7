package main

import (
	"errors"
	"fmt"
	"io/fs"
	"text/tabwriter"

	"github.com/crumbhq/crumb/keyring"
)

const keysGenerateUsage = `Usage:
    sessionctl keys generate --keyring FILE

Creates FILE as a new keyring with one primary key: a random 32-bit ID and a
32-byte secret, both from crypto/rand. The file is written with mode 0600 and
flushed to disk; an existing file is never overwritten. Prints the key's ID.

Options:
    --keyring FILE   the keyring file to create (required)

Examples:
    sessionctl keys generate --keyring /etc/myapp/keyring.json
`

const keysAddUsage = `Usage:
    sessionctl keys add --keyring FILE

Adds a new key to the keyring, in state active: it opens tokens but does not
seal them. This is the first phase of a rotation: deploy the keyring to every
node, then promote the key with ` + "`sessionctl keys promote`" + `. Prints the
new key's ID.

The keyring is replaced atomically (mode 0600), and only if it is valid and
has not changed since it was read.

Options:
    --keyring FILE   the keyring file (required)

Examples:
    sessionctl keys add --keyring keyring.json
`

const keysListUsage = `Usage:
    sessionctl keys list --keyring FILE [--json]

Lists the keys of a keyring: their IDs, states, and when they were created,
promoted and demoted ("-" when unknown). Secrets are never shown.

Options:
    --keyring FILE   the keyring file (required)
    --json           print {"keys": [{"id", "state", "created", "promoted",
                     "demoted"}]}, times in RFC 3339 and left out when unknown

Examples:
    sessionctl keys list --keyring keyring.json
    sessionctl keys list --keyring keyring.json --json | jq -r '.keys[] | select(.state == "active") | .id'
`

func runKeysGenerate(c *cli, args []string) error {
	fset := newFlagSet("keys generate")
	path := fset.String("keyring", "", "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	if err := required("keyring", *path); err != nil {
		return err
	}
	key, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		return err
	}
	ring, err := keyring.NewRing(key)
	if err != nil {
		return err
	}
	if err := keyring.CreateFile(c.path(*path), ring); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return failf([]string{"a keyring is never overwritten: to rotate its keys, use `sessionctl keys add` and `sessionctl keys promote`"},
				"keyring %s already exists", *path)
		}
		return fmt.Errorf("creating the keyring: %w", err)
	}
	fmt.Fprintln(c.stdout, keyring.FormatID(key.ID))
	return nil
}

func runKeysAdd(c *cli, args []string) error {
	fset := newFlagSet("keys add")
	path := fset.String("keyring", "", "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	if err := required("keyring", *path); err != nil {
		return err
	}
	kf, err := c.loadKeyring(*path)
	if err != nil {
		return err
	}
	var key keyring.Key
	for {
		// IDs are random: draw again in the unlikely case of a collision.
		if key, err = keyring.NewKey(keyring.StateActive); err != nil {
			return err
		}
		if _, taken := kf.ring.Key(key.ID); !taken {
			break
		}
	}
	if err := kf.save(append(kf.ring.Keys(), key)); err != nil {
		return err
	}
	id := keyring.FormatID(key.ID)
	fmt.Fprintln(c.stdout, id)
	c.hintf("deploy %s to every node, then run `sessionctl keys promote --keyring %s %s`", *path, *path, id)
	return nil
}

// keyJSON is one key in the output of keys list --json.
type keyJSON struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Created  string `json:"created,omitempty"`
	Promoted string `json:"promoted,omitempty"`
	Demoted  string `json:"demoted,omitempty"`
}

func runKeysList(c *cli, args []string) error {
	fset := newFlagSet("keys list")
	path := fset.String("keyring", "", "")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	if err := required("keyring", *path); err != nil {
		return err
	}
	kf, err := c.loadKeyring(*path)
	if err != nil {
		return err
	}
	keys := kf.ring.Keys()
	if *asJSON {
		out := struct {
			Keys []keyJSON `json:"keys"`
		}{Keys: make([]keyJSON, len(keys))}
		for i, k := range keys {
			out.Keys[i] = keyJSON{
				ID: keyring.FormatID(k.ID), State: k.State.String(),
				Created: timeText(k.Created), Promoted: timeText(k.Promoted), Demoted: timeText(k.Demoted),
			}
		}
		return c.printJSON(out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tCREATED\tPROMOTED\tDEMOTED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", keyring.FormatID(k.ID), k.State,
			timeOrDash(k.Created), timeOrDash(k.Promoted), timeOrDash(k.Demoted))
	}
	return tw.Flush()
}
