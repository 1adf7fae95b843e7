package main

import (
	"fmt"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

// defaultMaxLifetime is the longest a token lives with the cookie store's
// defaults: its absolute timeout plus the clock-skew leeway. A demoted key is
// retired no sooner than this after its demotion.
const defaultMaxLifetime = cookie.DefaultAbsoluteTimeout + cookie.DefaultSkew

// timeResolution is the resolution of the times recorded in keyring files.
const timeResolution = time.Second

const keysPromoteUsage = `Usage:
    sessionctl keys promote --keyring FILE ID

Makes key ID (8 hex digits, as ` + "`sessionctl keys list`" + ` shows it) the
primary key, the one that seals new tokens, and records when. The old primary
becomes active: tokens it sealed keep opening, and are reissued under the new
key as they are rewritten. Its demotion time is recorded, so that
` + "`sessionctl keys retire`" + ` knows when its tokens have all expired.

Promote a key only once every node has it (` + "`sessionctl keys add`" + `, then
deploy), or nodes without it refuse the new tokens. A retired key cannot be
promoted again: add a new key instead.

Options:
    --keyring FILE   the keyring file (required)

Examples:
    sessionctl keys promote --keyring keyring.json 8f3a2c1d
`

const keysRetireUsage = `Usage:
    sessionctl keys retire --keyring FILE [--max-lifetime D] [--force] ID

Retires key ID: tokens sealed under it are refused from then on. The key stays
in the file, recording that its ID was used.

The primary key cannot be retired: promote another one first. A key that has
been primary may have sealed tokens that are still alive: it is refused until
--max-lifetime has passed since it was demoted, because retiring it earlier
logs out whoever holds such a token. A key that has been primary but whose
demotion time is unknown is refused without --force: nobody can tell when
its last token expires. A key never promoted sealed nothing and can be
retired at once.

--max-lifetime must cover the application's longest session: its absolute
timeout plus clock skew, plus the time the new keyring took to reach every
node (nodes still holding the old keyring kept sealing with the old key).
The default fits crumb's default timeouts only.

Options:
    --keyring FILE     the keyring file (required)
    --max-lifetime D   the longest a token can live: the cookie store's
                       absolute timeout plus clock skew and deployment time
                       (default 12h1m0s: crumb's default 12h and 60s; set
                       it to your application's)
    --force            retire the key even if its tokens may still be alive

Examples:
    sessionctl keys retire --keyring keyring.json 0a0b0c0d
    sessionctl keys retire --keyring keyring.json --max-lifetime 24h1m 0a0b0c0d
`

func runKeysPromote(c *cli, args []string) error {
	fset := newFlagSet("keys promote")
	path := fset.String("keyring", "", "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	kf, id, err := c.keyringAndID(pos, *path)
	if err != nil {
		return err
	}
	keys := kf.ring.Keys()
	i := indexOf(keys, id)
	switch keys[i].State {
	case keyring.StatePrimary:
		c.warnf("key %s is already the primary key; nothing changed", keyring.FormatID(id))
		return nil
	case keyring.StateRetired:
		return failf([]string{fmt.Sprintf("add a new key instead: `sessionctl keys add --keyring %s`", *path)},
			"key %s is retired and cannot seal again", keyring.FormatID(id))
	}
	now := c.now().UTC().Truncate(timeResolution)
	old := kf.ring.Primary()
	for j := range keys {
		if keys[j].State == keyring.StatePrimary {
			keys[j].State = keyring.StateActive
			keys[j].Demoted = now
		}
	}
	keys[i].State = keyring.StatePrimary
	keys[i].Promoted = now
	if err := kf.save(keys); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "key %s is the primary key; key %s is active (with the default absolute timeout, retire it after %s)\n",
		keyring.FormatID(id), keyring.FormatID(old.ID), timeText(now.Add(defaultMaxLifetime)))
	return nil
}

func runKeysRetire(c *cli, args []string) error {
	fset := newFlagSet("keys retire")
	path := fset.String("keyring", "", "")
	maxLifetime := fset.Duration("max-lifetime", defaultMaxLifetime, "")
	force := fset.Bool("force", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if *maxLifetime < 0 {
		return usageErrorf("", "--max-lifetime must not be negative, got %v", *maxLifetime)
	}
	kf, id, err := c.keyringAndID(pos, *path)
	if err != nil {
		return err
	}
	keys := kf.ring.Keys()
	i := indexOf(keys, id)
	hexID := keyring.FormatID(id)
	switch keys[i].State {
	case keyring.StatePrimary:
		return failf([]string{fmt.Sprintf("promote another key first: `sessionctl keys add --keyring %s`, deploy, then `sessionctl keys promote --keyring %s ID`", *path, *path)},
			"key %s is the primary key and cannot be retired", hexID)
	case keyring.StateRetired:
		c.warnf("key %s is already retired; nothing changed", hexID)
		return nil
	}
	if alive, safe := tokensMayLive(keys[i], c.now(), *maxLifetime); alive {
		var why string
		if safe.IsZero() {
			why = fmt.Sprintf("key %s has been primary and its demotion time is unknown: tokens it sealed may still be alive", hexID)
		} else {
			why = fmt.Sprintf("key %s was primary until %s: tokens it sealed may live until %s", hexID, timeText(keys[i].Demoted), timeText(safe))
		}
		if !*force {
			hint := "retiring it now logs out whoever holds one of them: wait, or pass --force"
			if !safe.IsZero() {
				hint = fmt.Sprintf("retiring it now logs out whoever holds one of them: wait until %s, or pass --force", timeText(safe))
			}
			return failf([]string{hint}, "%s", why)
		}
		c.warnf("%s; retiring it anyway (--force) logs their holders out", why)
	}
	keys[i].State = keyring.StateRetired
	if err := kf.save(keys); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "key %s is retired\n", hexID)
	return nil
}

// tokensMayLive reports whether tokens sealed under k may still be alive at
// now, when tokens live at most maxLifetime, and from when they are all dead
// (zero when that is unknown). Only a key that has been primary sealed
// tokens. Its last demotion ends its sealing; a key that has been primary
// without a demotion time after its promotion (a file written by hand, or by
// an older tool) is treated as still sealing.
func tokensMayLive(k keyring.Key, now time.Time, maxLifetime time.Duration) (bool, time.Time) {
	if k.State == keyring.StatePrimary {
		return true, time.Time{}
	}
	if k.Promoted.IsZero() && k.Demoted.IsZero() {
		return false, time.Time{} // never primary: it sealed nothing
	}
	if k.Demoted.IsZero() || k.Demoted.Before(k.Promoted) {
		return true, time.Time{}
	}
	safe := k.Demoted.Add(maxLifetime)
	return now.Before(safe), safe
}

// keyringAndID checks the arguments of promote and retire (--keyring and
// one key ID), loads the keyring and checks that it holds the key.
func (c *cli) keyringAndID(pos []string, path string) (*keyringFile, uint32, error) {
	if err := wantArgs(pos, 1, 1, "ID"); err != nil {
		return nil, 0, err
	}
	if err := required("keyring", path); err != nil {
		return nil, 0, err
	}
	id, err := keyring.ParseID(pos[0])
	if err != nil {
		// The argument is not quoted: it might be a secret pasted in the
		// wrong place.
		return nil, 0, usageErrorf("", "ID must be 8 lower-case hex digits, as `sessionctl keys list` shows them")
	}
	kf, err := c.loadKeyring(path)
	if err != nil {
		return nil, 0, err
	}
	if _, ok := kf.ring.Key(id); !ok {
		return nil, 0, failf([]string{fmt.Sprintf("list its keys with `sessionctl keys list --keyring %s`", path)},
			"keyring %s has no key %s", path, keyring.FormatID(id))
	}
	return kf, id, nil
}

// indexOf returns the index of the key with the given ID, which must be there.
func indexOf(keys []keyring.Key, id uint32) int {
	for i, k := range keys {
		if k.ID == id {
			return i
		}
	}
	panic("sessionctl: key not in ring")
}
