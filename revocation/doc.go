// Package revocation is crumb's server-side revocation set: the small
// piece of state that lets stateless cookie sessions be logged out.
//
// A crumb token is the session; the server keeps no session table. To end a
// session before its token expires (logout, "log out everywhere", a renewed
// session ID, a superseded token in strict reissue mode), the cookie store
// records it here and checks every token it opens against the set. Set is
// the seam; Local is the embedded implementation, in memory with an
// optional durable file.
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
//   - subject (RevokeSubject): every session of a subject created before a
//     time is revoked. Check reports SubjectRevoked.
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
// before of a call is therefore not revoked by it.
//
// An entry's until is the time after which it no longer matters: the
// revoked token's absolute expiry plus the clock-skew leeway, after which
// the token is rejected as expired anyway. Expired entries are dropped by
// Prune, which Local calls every LocalOptions.PruneInterval (1 minute by
// default), so the set holds only the revocations of tokens that could
// still be presented: it stays small by construction. A revocation whose
// until is already past is a no-op.
//
// # Memory and capacity
//
// Local spreads session IDs over 16 shards by their first byte; each shard
// has a read-write mutex, a map from ID to until (20 bytes a slot; about
// 45 bytes an entry at 10^6 entries with the map's overhead, measured by
// TestMemoryPerEntryAllocs against a budget of 64) and a map for
// issued-before entries. Subject
// entries live in one map of their own. Check takes one shard's read lock
// and does one lookup, skipping the other maps while they are empty; it
// never allocates and its cost does not depend on the number of entries.
//
// The capacity (LocalOptions.MaxEntries, one million by default) bounds
// the entries of all kinds together. When the set is full, a revocation
// first prunes the expired entries; if there is still no room it fails with
// ErrFull. A live entry is never evicted: silently forgetting a logout
// would let the token back in.
//
// # Durable log
//
// With LocalOptions.Path set, Local keeps an append-only log. Its layout,
// all integers little-endian:
//
//	header (16 bytes):
//	  magic     8 bytes  "CRUMBREV"
//	  version   1 byte   1
//	  reserved  7 bytes  zero
//	records, each:
//	  kind      1 byte   1 session, 2 issued-before, 3 subject
//	  length    2 bytes  length of body
//	  body      length bytes:
//	    kind 1 (20 bytes): id (16) || until (4)
//	    kind 2 (32 bytes): id (16) || hard (4) || soft (4) || effective (4) || until (4)
//	    kind 3 (9 to 1032 bytes): before (4) || until (4) || subject (1 to 1024 bytes)
//	  crc       4 bytes  CRC-32C (Castagnoli) of kind || length || body
//
// Times are uint32 seconds as above. A record holds the state an entry
// reached, not the call that led to it; records are queued in the order
// the set reached those states, and replay merges them (maximum of every
// field but the effective time of kind 2, where the newest record wins), so
// replaying a record twice or out of a compaction's overlap is harmless.
//
// A revocation is applied to memory first, so that it takes effect at
// once, then made durable: a Revoke method returns nil only after its
// record has been written and fsynced. Concurrent revocations share fsyncs
// through group commit: the first waiter writes every queued record with
// one write and one fsync (the leader) while the others wait on a
// condition variable; those that queued meanwhile go in the next batch. If
// a write or fsync fails, every revocation of that batch and every later
// one returns the error, and Health reports it: after a failed fsync the
// contents of the file are unknown, so the set stops acknowledging for
// good; revocations still apply in memory, and reopening the set recovers
// what the file holds.
//
// The log is locked: NewLocal takes an exclusive flock (non-blocking) on
// Path+".lock", a separate file so that the lock survives compaction's
// renames, and writes its PID there. A second Local on the same path, in
// this process or another, fails with ErrLocked naming the path and, when
// it can read it, the holder's PID. Several processes cannot share a log;
// give each its own path. The lock is released by Close, or by the kernel
// when the process dies. Durable mode needs a unix system.
//
// NewLocal replays the log, skipping expired entries. A file that does not
// start with the header is refused with ErrCorrupt and left untouched; an
// empty file, or one cut short inside the header, is a log whose creation
// never finished and is initialised. After the header, a record that is
// cut short (a torn tail after a crash) or fails its checksum is skipped:
// replay scans forward byte by byte to the next offset where a complete
// record with a valid CRC starts, so a damaged record in the middle loses
// only itself. It logs a warning with the counts and compacts the log, so
// the damage is gone from the file.
//
// Compaction rewrites one record per live entry to a temporary file in the
// same directory, fsyncs it, renames it over the log and fsyncs the
// directory. Pruning triggers it when the log is more than twice the size
// its live entries need and over 64 KiB; recovery triggers it too.
// Revocations go on during a compaction: the records queued meanwhile are
// kept aside and appended to the new file under the log lock before the
// rename, so none acknowledged is lost. A crash during a compaction leaves
// either the old log or the new one, both complete; the temporary file
// (Path+".compact-*") is removed when the log is next opened.
//
// # Why a log and not an embedded store
//
// An embedded store such as bbolt would add a dependency, a page-based file
// format and its own locking and free-list machinery for data that is only
// ever appended, read whole once at start and rewritten now and then: the
// whole set lives in memory anyway, so a store's indexes would buy
// nothing. The log is a few hundred lines of standard library with simple
// fsync semantics (one write and one fsync per batch, one rename for a
// compaction), recovery is a checksum scan, and the file stays small: 27
// bytes per live session entry after compaction, where a B+tree store
// spends whole 4 KiB pages and grows before it reuses freed ones.

package revocation
