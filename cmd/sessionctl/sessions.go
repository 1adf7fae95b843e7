package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

const sessionsListUsage = `Usage:
    sessionctl sessions list --subject S [--registry SPEC] [--revocations SPEC]
                             [--idle-timeout D] [--json]

Lists a user's live sessions as the application's session registry holds
them (cookie.Options.Registry), the most recently seen first, while the
application runs: each session's ID, when it was created, when a token of
it was last issued (LAST_SEEN: the application updates it when it reissues
the token, not on every request), its absolute expiry, and the labels the
application recorded, such as a device name. Nothing secret is printed: a
registry holds no token.

With --revocations, sessions that were revoked (a logout, sessionctl revoke
or sessions revoke) are left out, as the application's own list leaves
them out (a Redis registry drops their entries on the way, as the
application does); without it, every registered session that has not
expired is listed. A session signed in before the registry was turned on
is not listed until it signs in again.

` + registryHelp + `

SPEC for --revocations is as for ` + "`sessionctl revoke`" + `: a revocation file,
or a redis:// URL (see ` + "`sessionctl help revoke`" + `).

Options:
    --subject S          the user whose sessions to list (required)
    --registry SPEC      the session registry (see above; default: the Redis
                         of --revocations, when that is a redis:// URL)
    --revocations SPEC   the revocation set, to leave revoked sessions out
    --idle-timeout D     the application's idle timeout, to leave out the
                         sessions idle longer than it (default: none, a
                         session is listed until its absolute expiry)
    --json               print a JSON array of {"id", "created",
                         "last_seen", "expires", "labels"}

Examples:
    sessionctl sessions list --subject alice --registry /var/lib/myapp/sessions.log --revocations /var/lib/myapp/revoked.log
    sessionctl sessions list --subject alice --revocations redis://redis.internal:6379/0 --json
`

const sessionsRevokeUsage = `Usage:
    sessionctl sessions revoke --subject S --revocations SPEC [--registry SPEC]
                               [--json] ID

Ends one of a user's sessions ("sign out this device") while the
application runs, as its "your sessions" page does: every token of the
session is refused from then on, by every instance sharing the revocation
set (with a revocation file, within a second). ID is the session's ID as
` + "`sessionctl sessions list`" + ` prints it, 32 hexadecimal characters. It must be
one of the subject's registered sessions: otherwise the command fails and
nothing changes, so an ID given with the wrong subject never ends somebody
else's session.

The revocation lasts until the session's absolute expiry plus 60s of skew.
A Redis registry drops the session's entry at once. A registry file is
written by the application alone: it keeps the entry until it next lists
the subject's sessions, and drops it then. Either way the session is never
listed again, by the application or by sessions list --revocations.

` + registryHelp + `

SPEC for --revocations is as for ` + "`sessionctl revoke`" + ` (see its help); a
revocation file must exist: it is the one the application uses.

Options:
    --subject S          the user whose session to end (required)
    --revocations SPEC   the revocation set (required)
    --registry SPEC      the session registry (see above; default: the Redis
                         of --revocations, when that is a redis:// URL)
    --json               print {"revoked": "session", "session_id",
                         "subject", "until"}

Examples:
    sessionctl sessions revoke --subject alice --registry /var/lib/myapp/sessions.log --revocations /var/lib/myapp/revoked.log 3f1c0e7a9b2d4c6e8f1a2b3c4d5e6f70
    sessionctl sessions revoke --subject alice --revocations redis://redis.internal:6379/0 3f1c0e7a9b2d4c6e8f1a2b3c4d5e6f70
`

// listedJSON is one session as sessions list --json prints it.
type listedJSON struct {
	ID       string            `json:"id"`
	Created  string            `json:"created"`
	LastSeen string            `json:"last_seen"`
	Expires  string            `json:"expires"`
	Labels   map[string]string `json:"labels"`
}

func runSessionsList(c *cli, args []string) error {
	fset := newFlagSet("sessions list")
	subject := fset.String("subject", "", "")
	regSpec := fset.String("registry", "", "")
	revSpec := fset.String("revocations", "", "")
	idle := fset.Duration("idle-timeout", 0, "")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	if err := checkSubjectFlag(*subject); err != nil {
		return err
	}
	if flagSet(fset, "idle-timeout") {
		if err := wholeSeconds("idle-timeout", *idle, time.Second); err != nil {
			return err
		}
	}
	rs, err := parseRegistrySpec(*regSpec, *revSpec)
	if err != nil {
		return err
	}
	store, _, closeAll, err := c.sessionsStore(rs, *revSpec, *idle)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := store.Sessions(c.context(), *subject)
	if err != nil {
		return registryFailure(err, rs)
	}
	if *asJSON {
		out := make([]listedJSON, len(list))
		for i, s := range list {
			labels := s.Labels
			if labels == nil {
				labels = map[string]string{}
			}
			out[i] = listedJSON{
				ID: s.ID.String(), Created: timeText(s.Created), LastSeen: timeText(s.LastSeen),
				Expires: timeText(s.Expires), Labels: labels,
			}
		}
		return c.printJSON(out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tLAST_SEEN\tEXPIRES\tLABELS")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, timeText(s.Created), timeText(s.LastSeen), timeText(s.Expires), labelsText(s.Labels))
	}
	return tw.Flush()
}

func runSessionsRevoke(c *cli, args []string) error {
	fset := newFlagSet("sessions revoke")
	subject := fset.String("subject", "", "")
	regSpec := fset.String("registry", "", "")
	revSpec := fset.String("revocations", "", "")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, 1, "ID"); err != nil {
		return err
	}
	if err := checkSubjectFlag(*subject); err != nil {
		return err
	}
	if err := required("revocations", *revSpec); err != nil {
		return err
	}
	id, err := cookie.ParseSessionID(pos[0])
	if err != nil {
		return usageErrorf("", "session ID %s: want the 32 hexadecimal characters `sessionctl sessions list` prints", quoteArg(pos[0]))
	}
	rs, err := parseRegistrySpec(*regSpec, *revSpec)
	if err != nil {
		return err
	}
	store, reg, closeAll, err := c.sessionsStore(rs, *revSpec, 0)
	if err != nil {
		return err
	}
	defer closeAll()
	ctx := c.context()
	// The entry, for its expiry: the revocation lasts until it (plus the
	// skew), as the store makes it.
	entries, err := reg.List(ctx, *subject, time.Now())
	if err != nil {
		if !errors.Is(err, cookie.ErrRegistryUnavailable) {
			err = fmt.Errorf("%w: %w", cookie.ErrRegistryUnavailable, err)
		}
		return registryFailure(fmt.Errorf("listing the sessions: %w", err), rs)
	}
	i := slices.IndexFunc(entries, func(e registry.Entry) bool { return e.ID == registry.ID(id) })
	if i >= 0 {
		err = store.RevokeSession(ctx, *subject, id)
	}
	switch {
	case i < 0, errors.Is(err, cookie.ErrNoSuchSession):
		return failf([]string{
			"list the subject's sessions with `sessionctl sessions list --subject S`; a session that has expired is no longer listed, and needs no revocation",
		}, "session %s is not one of the registered sessions of subject %s: nothing was revoked", id, strconv.Quote(*subject))
	case errors.Is(err, cookie.ErrPending):
		c.warnf("%v", err)
	case err != nil:
		return registryFailure(err, rs)
	}
	until := timeText(entries[i].Expires.Add(cookie.DefaultSkew))
	if *asJSON {
		return c.printJSON(revokedJSON{Revoked: "session", SessionID: id.String(), Subject: *subject, Until: until})
	}
	fmt.Fprintf(c.stdout, "revoked session %s of subject %s until %s\n", id, strconv.Quote(*subject), until)
	return nil
}

// checkSubjectFlag checks --subject: required, and within the registry's
// limits.
func checkSubjectFlag(subject string) error {
	if err := required("subject", subject); err != nil {
		return err
	}
	if len(subject) > registry.MaxSubjectLen || !utf8.ValidString(subject) {
		return usageErrorf("", "--subject must be valid UTF-8 of at most %d bytes, as in a token", registry.MaxSubjectLen)
	}
	return nil
}

// sessionsStore returns a store on the registry rs names and the
// revocation set revSpec names (an empty in-memory set if ""), so that the
// sessions commands list and revoke exactly as the application's store
// does; the registry; and a function that closes them all. The store's
// keyring is a throwaway one: listing and revoking by ID never open a
// token. Its lifetimes are unbounded, so that each entry's own absolute
// expiry decides, with idle (if not 0) as the idle timeout.
func (c *cli) sessionsStore(rs registrySpec, revSpec string, idle time.Duration) (*cookie.Store, registry.Registry, func(), error) {
	reg, err := c.openRegistry(rs, false)
	if err != nil {
		return nil, nil, nil, err
	}
	var set revocation.Set
	if revSpec != "" {
		if set, err = c.openRevocations(revSpec, false, false); err != nil {
			c.closeRegistry(reg)
			return nil, nil, nil, err
		}
	}
	closeAll := func() {
		if set != nil {
			c.closeRevocations(set)
		}
		c.closeRegistry(reg)
	}
	key, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	ring, err := keyring.NewRing(key)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	o := cookie.Options{Keys: ring, AbsoluteTimeout: defaultReadLifetime, IdleTimeout: defaultReadLifetime, Registry: reg}
	if idle > 0 {
		o.IdleTimeout = idle
	}
	if set != nil {
		o.Revocations = set
	}
	store, err := cookie.New(o)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return store, reg, func() { store.Close(); closeAll() }, nil
}

// registryFailure adds advice to a failure to list or revoke.
func registryFailure(err error, rs registrySpec) error {
	switch {
	case errors.Is(err, cookie.ErrRegistryUnavailable) && rs.redis != "":
		return withHints(err, "check that Redis runs at that address and that the user name, password and TLS settings are right")
	case errors.Is(err, cookie.ErrRegistryUnavailable):
		return withHints(err, "check that "+rs.path+" is the registry file the application writes, and that it can be read")
	case errors.Is(err, cookie.ErrUnavailable):
		return withHints(err, "the revocation set could not be reached: nothing was revoked")
	}
	return err
}

// labelsText formats labels for a table: key=value pairs sorted by key,
// each made printable (labels may come from clients, such as a
// User-Agent); "-" for none.
func labelsText(labels map[string]string) string {
	if len(labels) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = printable(k) + "=" + printable(labels[k])
	}
	return strings.Join(parts, ", ")
}
