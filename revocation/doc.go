// Package revocation is crumb's server-side revocation set: the small
// piece of state that lets stateless cookie sessions be logged out.
//
// A crumb token is the session; the server keeps no session table. To end a
// session before its token expires (logout, "log out everywhere", a renewed
// session ID, a superseded token in strict reissue mode), the cookie store
// records it here and checks every token it opens against the set. Set is
// the seam; Local is the embedded implementation, in memory with an
// optional durable file that several processes may share; package
// revocation/redisset shares a set between instances through Redis.
//
// # Entries
//
// There are three kinds of entry, each with an until:
//
//   - session (RevokeSession): every token of a session ID is revoked.
//     Check reports SessionRevoked.
//   - issued-before (RevokeIssuedBefore): the tokens of a session ID issued
//     before a time are revoked, from an effective time on. Strict reissue
//     mode uses it to retire the previous token after a short grace window
//     for requests already in flight with it. Check reports TokenRevoked.
//   - subject (RevokeSubject, and collapses, below): every session of a
//     subject created before a time is revoked. Check reports
//     SubjectRevoked.
//
// Calls for the same key merge. Session and subject entries keep the later
// until (and, for subjects, the later before). An issued-before entry keeps
// two windows, hard and soft: tokens issued before hard are revoked;
// tokens issued before soft are revoked from soft's effective time on. A
// new call first folds the soft window into hard if it is already in effect
// at the time of the call, and then starts the soft window anew at the
// call's before and effective time; if the soft window is still pending, the
// call widens it to its before (never backwards) but keeps the effective time
// already scheduled. So a token once revoked stays revoked, and a revocation
// is never postponed: a session reissued more often than its grace window
// cannot keep an older token alive (the older token's grace is shortened
// instead).
//
// # Small by construction
//
// Every entry lasts only as long as the tokens it revokes could still be
// presented (their absolute expiry plus the clock-skew leeway), and three
// rules keep the number of live entries bounded whatever clients do:
//
//   - Sessions without a subject need no entry. A session with no subject
//     carries no authority: RevokeSession and RevokeIssuedBefore refuse an
//     empty subject (ErrBadSubject), and the cookie store never asks — its
//     logout of an anonymous session only deletes the cookie, and signing in
//     from one gives the signed-in session a fresh ID, so the anonymous token
//     never becomes it (session fixation is impossible). A client without an
//     account can log out or sign in as often as it likes: the set does not
//     grow.
//   - One subject holds at most MaxPerSubject session and issued-before
//     entries (DefaultMaxPerSubject, 32). The entry that would exceed it
//     first collapses the subject's entries into one subject entry that
//     revokes every session of the subject created up to the newest of them,
//     for as long as the longest of them; the new entry is then not needed
//     when that subject entry covers it. A session a subject entry already
//     revokes needs no entry of its own, and a subject entry removes the
//     entries it covers. So an account used to flood the set costs only its
//     own other sessions — they are logged out — and never anybody else's,
//     and the memory of the whole set is bounded by the number of distinct
//     subjects that revoked sessions recently, times MaxPerSubject.
//   - Past MaxEntries (DefaultMaxEntries, one million) entries, the subjects
//     holding the most entries are collapsed first, down to nine tenths of
//     the capacity. A revocation is never refused for capacity, and a live
//     entry is never dropped: a collapse only ever revokes more. If every
//     subject holds a single entry, nothing can be collapsed and the set
//     grows past its capacity (one entry per subject), with a warning.
//
// Collapses are counted in Stats (Collapses, CapacityCollapses); one made
// for the capacity is also logged as a warning, and Health reports
// ErrDegraded while the set holds nine tenths of its capacity or more.
//
// Time has one-second resolution, and a collapse revokes every session of
// the subject created up to the second of the newest collapsed one: a
// session created in that same second — the one a client signs in with
// right after flooding — is revoked too.
//
// # Time and expiry
//
// Times are kept with one-second resolution as uint32 seconds since the
// Unix epoch, rounding down: 4 bytes a time, good until 2106-02-07T06:28:15Z.
// An until past that is clamped to it (the entry then stays as long as the
// set can count); earlier times clamp at 1970. Comparisons are made at
// second resolution: a session entry revokes while now <= until (the until
// second itself included); an issued-before entry revokes a token when its
// issued-at < before and now >= effective; a subject entry revokes a session
// when its created-at < before. A token issued in the same second as the
// before of a call is therefore not revoked by it. Expired entries are
// dropped by Prune, which Local calls every LocalOptions.PruneInterval (1
// minute by default). A revocation whose until is already past is a no-op.
//
// # Memory
//
// Local spreads session IDs over 16 shards by their first byte; each shard
// has a read-write mutex and a map from ID to until. Check takes one
// shard's read lock and does one lookup (plus one for issued-before entries
// and one for subject entries, each only while some exist); it never
// allocates and its cost does not depend on the number of entries. Each
// subject's entries are also listed in a per-subject index, which the
// bounds need: about 70 bytes per entry in all at 32 entries per subject,
// 85 at 10 and about 200 when every entry belongs to a different subject
// (measured by TestMemoryPerEntryAllocs at 10^6 entries).
//
// # Durable log
//
// With LocalOptions.Path set, Local keeps an append-only log. Its layout,
// all integers little-endian:
//
//	header (16 bytes):
//	  magic     8 bytes  "CRUMBREV"
//	  version   1 byte   2
//	  reserved  7 bytes  zero
//	records, each:
//	  kind      1 byte   1 session, 2 issued-before, 3 subject
//	  length    2 bytes  length of body
//	  body      length bytes:
//	    kind 1 (56 bytes): id (16) || subject (32) || created (4) || until (4)
//	    kind 2 (68 bytes): id (16) || subject (32) || created (4) ||
//	                       hard (4) || soft (4) || effective (4) || until (4)
//	    kind 3 (40 bytes): before (4) || until (4) || subject (32)
//	  crc       4 bytes  CRC-32C (Castagnoli) of kind || length || body
//
// A subject is stored as its SHA-256, never by name; times are uint32
// seconds as above. A record holds the state an entry reached, not the call
// that led to it; records are queued in the order the set reached those
// states, and replay merges them (maximum of every field but the effective
// time of kind 2, where the newest record wins), so replaying a record
// twice, or out of a compaction's overlap, is harmless. Version 1 logs,
// written by crumb 0.1 (no subject nor created-at in kinds 1 and 2), are
// read and rewritten as version 2 when opened; their entries belong to no
// subject and are never collapsed.
//
// A revocation is applied to memory first, so that it takes effect at
// once, then made durable: a Revoke method returns nil only after its
// record has been written and fsynced. Concurrent revocations share fsyncs
// through group commit: the first waiter writes every queued record with
// one write and one fsync (the leader) while the others wait; those that
// queued meanwhile go in the next batch.
//
// # Several processes, one log
//
// Several processes may open the same log — the application and `sessionctl
// revoke`, or workers of one application on one machine. A process appends
// its batches holding an exclusive flock on Path+".lock" (a file of its
// own, so that the lock survives compaction's renames; it is never written,
// and never followed if it is a symbolic link), after first reading what
// the others appended since it last looked; each process also reads the
// others' appends every LocalOptions.PollInterval (250 ms) holding the
// lock shared. A revocation made by one is thus in force in the others
// within about a quarter of a second. A compaction by one replaces the
// file; the others notice (its inode changed) and read the new one whole.
// Each process applies its bounds (MaxPerSubject, MaxEntries) to the
// revocations it makes itself; entries the others wrote are taken as they
// are, so a process opened with other bounds — a tool — never collapses
// the subjects of another. A process that cannot read the others' appends (it cannot have the lock
// within a poll, or the read fails) keeps enforcing its own revocations and
// reports the others' as missed: Health wraps ErrDegraded until a poll
// succeeds. Processes of crumb 0.1 locked the log for as long as they ran:
// a newer process waits up to 30 seconds for the lock to open the log or
// write to it, then fails with ErrLocked. Anyone who can open the lock file
// can hold it: keep the log's directory private to the application.
//
// # Failures
//
// NewLocal refuses a path that is not a regular file — a named pipe (which
// would block the open), a device (read without end), a directory — at
// once, with an error wrapping ErrCorrupt; a file that does not start with
// the header is refused with ErrCorrupt and left untouched. An empty file,
// or one cut short inside the header, is a log whose creation never
// finished and is initialised. After the header, a record that is cut short
// (a torn tail after a crash) or fails its checksum is skipped: replay scans
// forward byte by byte to the next offset where a complete record with a
// valid CRC starts, so a damaged record in the middle loses only itself. It
// logs a warning with the counts and rewrites the log.
//
// A failed write or fsync (a full disk, an I/O error) fails the revocations
// of its batch: they apply in memory but are not acknowledged, and Health
// reports the failure. After a failed fsync the file's contents are
// unknown, so the log is not trusted again: the next batch, and the
// background goroutine, rewrite the whole log from memory — which holds
// every revocation, those that failed included — to a new file, fsync it
// and rename it into place, one second after the failure, then after 2, 4
// and at most 10 seconds while it keeps failing (each attempt writes the
// whole log). As soon as the disk takes writes again the log recovers,
// without a restart (Stats.Recoveries counts it), and nothing acknowledged
// was ever lost. A log removed, emptied or shortened by something else (an
// operator, a log rotation) is rewritten the same way. A log that needs rewriting at
// open — damaged, or of version 1 — on a full disk does not keep the
// application from starting: its revocations are enforced, and the log is
// rewritten when the disk allows.
//
// Compaction is that same rewrite, one record per live entry: pruning
// triggers it when the log is more than twice the size its live entries
// need and over 64 KiB; recovery triggers it too. A crash during a
// compaction leaves either the old log or the new one, both complete; the
// temporary file (Path+".compact-*") is removed when the log is next opened.
//
// # Why a log and not an embedded store
//
// An embedded store such as bbolt would add a dependency, a page-based file
// format and its own locking and free-list machinery for data that is only
// ever appended, read whole once at start and rewritten now and then: the
// whole set lives in memory anyway, so a store's indexes would buy
// nothing. The log is a few hundred lines of standard library with simple
// fsync semantics (one write and one fsync per batch, one rename for a
// compaction), recovery is a checksum scan, and the file stays small: 63
// bytes per live session entry after compaction, where a B+tree store
// spends whole 4 KiB pages and grows before it reuses freed ones.
package revocation
