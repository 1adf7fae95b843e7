// Sessionctl manages the keyrings of crumb, stateless encrypted cookie
// sessions, and mints, decodes, inspects and revokes their tokens.
//
// Usage:
//
//	sessionctl COMMAND [OPTIONS] [ARGUMENTS]
//	sessionctl help COMMAND
//
// The commands are:
//
//	keys generate     create a keyring file with one primary key
//	keys add          add a new key, able to open tokens but not to seal them
//	keys promote      make a key the primary key, which seals new tokens
//	keys retire       retire a key: its tokens are refused from then on
//	keys list         list the keys of a keyring, without their secrets
//	mint              create a session and print its token
//	decode            open a token and print its session
//	inspect           show what a token reveals without any key
//	revoke            revoke a session, or every session of a subject
//	sessions list     list a user's sessions from the session registry
//	sessions revoke   end one of a user's sessions by its ID
//	dict train        train a compression dictionary on sample sessions
//	version           print the version of sessionctl, Go and the token format
//	demo              serve a demo web app on the session middleware
//
// Data goes to standard output; errors, hints and warnings go to standard
// error, as "sessionctl: error: …", "sessionctl: hint: …" and
// "sessionctl: warning: …". The exit status is 0 on success, 1 when the
// operation fails (an invalid token, a bad keyring, a file that exists…) and
// 2 on a usage error (an unknown command or flag, a missing or extra
// argument, a bad flag value). Commands with structured output take --json.
// Flags may come before or after the arguments; "--" ends the flags.
// Secrets are never printed.
//
// # sessionctl keys generate
//
//	Usage:
//	    sessionctl keys generate --keyring FILE
//
//	Creates FILE as a new keyring with one primary key: a random 32-bit ID and a
//	32-byte secret, both from crypto/rand. The file is written with mode 0600 and
//	flushed to disk; an existing file is never overwritten. Prints the key's ID.
//
//	Options:
//	    --keyring FILE   the keyring file to create (required)
//
//	Examples:
//	    sessionctl keys generate --keyring /etc/myapp/keyring.json
//
// # sessionctl keys add
//
//	Usage:
//	    sessionctl keys add --keyring FILE
//
//	Adds a new key to the keyring, in state active: it opens tokens but does not
//	seal them. This is the first phase of a rotation: deploy the keyring to every
//	node, then promote the key with `sessionctl keys promote`. Prints the
//	new key's ID.
//
//	The keyring is replaced atomically (mode 0600), and only if it is valid and
//	has not changed since it was read.
//
//	Options:
//	    --keyring FILE   the keyring file (required)
//
//	Examples:
//	    sessionctl keys add --keyring keyring.json
//
// # sessionctl keys promote
//
//	Usage:
//	    sessionctl keys promote --keyring FILE ID
//
//	Makes key ID (8 hex digits, as `sessionctl keys list` shows it) the
//	primary key, the one that seals new tokens, and records when. The old primary
//	becomes active: tokens it sealed keep opening, and are reissued under the new
//	key as they are rewritten. Its demotion time is recorded, so that
//	`sessionctl keys retire` knows when its tokens have all expired.
//
//	Promote a key only once every node has it (`sessionctl keys add`, then
//	deploy), or nodes without it refuse the new tokens. A retired key cannot be
//	promoted again: add a new key instead.
//
//	Options:
//	    --keyring FILE   the keyring file (required)
//
//	Examples:
//	    sessionctl keys promote --keyring keyring.json 8f3a2c1d
//
// # sessionctl keys retire
//
//	Usage:
//	    sessionctl keys retire --keyring FILE [--max-lifetime D] [--force] ID
//
//	Retires key ID: tokens sealed under it are refused from then on. The key stays
//	in the file, recording that its ID was used.
//
//	The primary key cannot be retired: promote another one first. A key that has
//	been primary may have sealed tokens that are still alive: it is refused until
//	--max-lifetime has passed since it was demoted, because retiring it earlier
//	logs out whoever holds such a token. A key that has been primary but whose
//	demotion time is unknown is refused without --force: nobody can tell when
//	its last token expires. A key never promoted sealed nothing and can be
//	retired at once.
//
//	--max-lifetime must cover the application's longest session: its absolute
//	timeout plus clock skew, plus the time the new keyring took to reach every
//	node (nodes still holding the old keyring kept sealing with the old key).
//	The default fits crumb's default timeouts only.
//
//	Options:
//	    --keyring FILE     the keyring file (required)
//	    --max-lifetime D   the longest a token can live: the cookie store's
//	                       absolute timeout plus clock skew and deployment time
//	                       (default 12h1m0s: crumb's default 12h and 60s; set
//	                       it to your application's)
//	    --force            retire the key even if its tokens may still be alive
//
//	Examples:
//	    sessionctl keys retire --keyring keyring.json 0a0b0c0d
//	    sessionctl keys retire --keyring keyring.json --max-lifetime 24h1m 0a0b0c0d
//
// # sessionctl keys list
//
//	Usage:
//	    sessionctl keys list --keyring FILE [--json]
//
//	Lists the keys of a keyring: their IDs, states, and when they were created,
//	promoted and demoted ("-" when unknown). Secrets are never shown.
//
//	Options:
//	    --keyring FILE   the keyring file (required)
//	    --json           print {"keys": [{"id", "state", "created", "promoted",
//	                     "demoted"}]}, times in RFC 3339 and left out when unknown
//
//	Examples:
//	    sessionctl keys list --keyring keyring.json
//	    sessionctl keys list --keyring keyring.json --json | jq -r '.keys[] | select(.state == "active") | .id'
//
// # sessionctl mint
//
//	Usage:
//	    sessionctl mint --keyring FILE --name COOKIE [--audience A] [--subject S]
//	                    [--data JSON|@FILE|-] [--ttl D] [--idle D]
//	                    [--meta KEY=VALUE]... [--dictionary DICT] [--json]
//
//	Creates a session and prints its token, sealed under the keyring's primary key
//	for the cookie name and audience, as the application's store would: for tests,
//	for support, or to hand a session to a client. The data is stored as the
//	application's default JSON serializer stores it, compressed when that pays
//	(with the built-in dictionary, or the application's own with --dictionary).
//
//	Options:
//	    --keyring FILE       the keyring file (required)
//	    --name COOKIE        the cookie name the token is for (required)
//	    --audience A         the audience label, if the application sets one
//	    --subject S          whom the session belongs to (a user ID; at most 255
//	                         bytes)
//	    --data JSON          the session data: a JSON value, normally an object;
//	                         @FILE reads it from a file, - from standard input
//	                         (at most 1 MiB; 64 KiB once serialized)
//	    --ttl D              the absolute lifetime (default 12h0m0s); whole seconds
//	    --idle D             the idle timeout (default 30m0s, at most --ttl); whole
//	                         seconds
//	    --meta KEY=VALUE     session metadata; repeat for more (at most 16 entries,
//	                         keys of 1 to 64 bytes, values of at most 255)
//	    --dictionary DICT    compress with the application's dictionary (written by
//	                         `sessionctl dict train`) instead of the built-in one
//	    --json               print {"token", "session_id", "subject", "created",
//	                         "issued", "idle_deadline", "expires", "key_id"}
//
//	Examples:
//	    sessionctl mint --keyring keyring.json --name session --subject alice
//	    sessionctl mint --keyring keyring.json --name session --data '{"cart":["SKU-1"]}' --ttl 1h
//	    sessionctl mint --keyring keyring.json --name session --data @session.json --meta ip=203.0.113.7
//	    sessionctl mint --keyring keyring.json --name session | sessionctl decode --keyring keyring.json --name session
//
// # sessionctl decode
//
//	Usage:
//	    sessionctl decode --keyring FILE --name COOKIE [--audience A]
//	                      [--revocations SPEC] [--max-lifetime D]
//	                      [--dictionary DICT]... [--json] [TOKEN|-]
//	    sessionctl decode --legacy-hash-key KEY [--legacy-block-key KEY]
//	                      [--legacy-serializer gob|json] [--legacy-max-age D]
//	                      --name COOKIE [--json] [TOKEN|-]
//
//	Opens a token as the application's store reads it and prints its session: the
//	claims (session ID, subject, when it was created and this token issued, the
//	idle deadline, the absolute expiry, the key that sealed it and whether that is
//	the primary key, the metadata) and the data, as JSON. The token is the
//	argument, or is read from standard input when the argument is - or absent.
//
//	A token that does not open is an error (exit status 1) that names its class,
//	as the store reports it, and the exact reason:
//	    invalid     tampered, malformed, under an unknown or retired key, for
//	                another cookie name or audience, issued in the future
//	    expired     past its idle deadline or its absolute expiry
//	    revoked     its session, or every session of its subject, was revoked
//	                (checked only with --revocations)
//	    too large   longer than 8192 characters, or its data over 64 KiB
//
//	With --legacy-hash-key, TOKEN is instead the value of a cookie written by
//	gorilla/securecookie (a gorilla/sessions CookieStore) for the cookie --name,
//	and decode prints when it was written, when it expires, and its values as
//	the crumb session that middleware.Options.Legacy (package cookie/gorilla)
//	would make of them, with the values that would not be carried over. No
//	keyring is needed. A KEY is written as one of
//	    hex:HEX          the key in hexadecimal
//	    base64:B64       the key in base64, standard or URL-safe, padded or not
//	    text:STRING      the bytes of STRING, for keys written as []byte("…")
//	    env:VAR          the bytes of the environment variable VAR
//	    @FILE            the bytes of FILE, as they are (no newline removed)
//	Prefer env: and @FILE: a key on the command line shows in the process list
//	and the shell's history. A cookie that does not open is an error naming its
//	class (invalid, expired, too large) and reason.
//
//	Options:
//	    --keyring FILE       the keyring file (required, except for a legacy
//	                         cookie)
//	    --name COOKIE        the cookie name the token was minted for (required)
//	    --audience A         its audience label, if the application sets one
//	    --revocations SPEC   check the revocation set too: the path of a durable
//	                         revocation file (see `sessionctl help revoke`).
//	                         The file is locked while in use, so it cannot be
//	                         checked while the application holds it open; like
//	                         the application, opening it repairs a damaged tail
//	    --max-lifetime D     refuse a token created longer ago than D, as a store
//	                         whose absolute timeout is D does (default: no cap,
//	                         the token's own expiry decides; pass the
//	                         application's timeout to see what it accepts)
//	    --dictionary DICT    an application compression dictionary (written by
//	                         `sessionctl dict train`); repeat for more. The built-in
//	                         one is always known
//	    --json               print {"session_id", "subject", "created", "issued",
//	                         "idle_deadline", "expires", "key_id", "primary",
//	                         "metadata", "data"}; when the token is refused,
//	                         {"error": CLASS, "reason": REASON} and exit status 1;
//	                         for a legacy cookie, {"written", "expires", "data",
//	                         "dropped"}
//	    --legacy-hash-key KEY
//	                         read TOKEN as a gorilla/securecookie cookie with
//	                         this HMAC key: the first key the application gave
//	                         sessions.NewCookieStore or securecookie.New
//	    --legacy-block-key KEY
//	                         its encryption key, the second of the pair, if it
//	                         had one: 16, 24 or 32 bytes
//	    --legacy-serializer gob|json
//	                         how the application serialized its values (default
//	                         gob, gorilla's default)
//	    --legacy-max-age D   refuse a cookie written longer ago than D, as
//	                         securecookie's MaxAge (default 720h, its default;
//	                         0: any age)
//
//	Examples:
//	    sessionctl decode --keyring keyring.json --name session AQ8jLB0…
//	    pbpaste | sessionctl decode --keyring keyring.json --name session
//	    sessionctl decode --keyring keyring.json --name session --revocations revoked.log --json - < token.txt
//	    sessionctl decode --name session --legacy-hash-key env:SESSION_HASH_KEY --legacy-block-key env:SESSION_BLOCK_KEY MTcx…
//
// # sessionctl inspect
//
//	Usage:
//	    sessionctl inspect [--json] [TOKEN|-]
//
//	Shows what anyone holding a token can read without the keys: the format
//	version, the ID of the key that sealed it (as in the keyring file), its length
//	in characters and in decoded bytes, and the sizes of its parts (header,
//	ciphertext, tag). Nothing is decrypted and no keyring is needed: the claims and
//	the data stay sealed. The token is the argument, or is read from standard
//	input when the argument is - or absent.
//
//	A string that is not canonical unpadded base64url, too short to be a token, or
//	of another format version is an error (exit status 1).
//
//	Options:
//	    --json   print {"version", "key_id", "length", "bytes", "header",
//	             "ciphertext", "tag"}, lengths in characters and sizes in bytes
//
//	Examples:
//	    sessionctl inspect AQ8jLB0…
//	    sessionctl mint --keyring keyring.json --name session | sessionctl inspect --json
//
// # sessionctl revoke
//
//	Usage:
//	    sessionctl revoke --revocations SPEC --keyring FILE --name COOKIE
//	                      [--audience A] [--dictionary DICT]... [--max-lifetime D]
//	                      [--json] [TOKEN|-]
//	    sessionctl revoke --revocations SPEC --subject S [--max-lifetime D] [--json]
//
//	Revokes sessions in the application's revocation set, as logging out does.
//
//	With a token (the argument, or standard input when it is - or absent), revokes
//	its session: every token of it, older and newer, is refused from then on, until
//	its absolute expiry. The token must open with the keyring, name and audience
//	given; the outcome is reported:
//	    valid                  the session is revoked (exit status 0)
//	    already revoked        nothing to do (exit status 0, with a warning)
//	    past its idle deadline the session is revoked anyway, since a newer token
//	                           of it may be alive (exit status 0, with a warning)
//	    expired for good       past its absolute expiry, no token of the session
//	                           can be used: nothing is revoked (exit status 1)
//	    invalid, too large     not a token of this application: nothing is revoked
//	                           (exit status 1)
//
//	A session without a subject is anonymous: it carries no authority, so it
//	needs no revocation and none is made (the command says so and exits 0).
//	Sign users in (a subject) for their logout to be revocable.
//
//	With --subject, revokes every session of that subject created before now (to
//	the second): "log out everywhere". Sessions created afterwards are not
//	affected. No keyring is needed. The entry lasts --max-lifetime plus 60s of
//	skew, 12h by default as the application's default absolute timeout: give
//	the application's cookie.Options.SubjectRevocation if it sets a longer one.
//	An entry is never shortened: when an earlier one lasts longer, the output
//	says until when it lasts.
//
//	The revocation file may be the one the application is using: the
//	application sees a revocation made here within a second.
//
//	SPEC names the revocation set the application uses:
//	    PATH            a durable revocation file (revocation.NewLocal), such as
//	                    /var/lib/myapp/revoked.log, or the same as a URL:
//	                    file:///var/lib/myapp/revoked.log. It may be the file the
//	                    application is using: both append to it under a lock,
//	                    and the application reads what sessionctl adds within a
//	                    second.
//	    redis://…       a Redis revocation set that several instances share,
//	                    redis://[USER:PASSWORD@]HOST[:PORT][/DB] (rediss:// for
//	                    TLS), with options as URL parameters, among them
//	                    outbox=PATH (a durable file for revocations made while
//	                    Redis is down; without it such a revocation fails),
//	                    prefix=P (the key prefix, default crumb:), master=NAME
//	                    (Sentinel), addr=HOST:PORT (more nodes: Cluster), ca=PATH
//	                    (for rediss), policy=stale|closed and max_staleness=30s;
//	                    the package revocation/redisset (ParseSpec) lists them
//	                    all. The URL, which may hold a password, is never
//	                    echoed.
//
//	Options:
//	    --revocations SPEC   the revocation set (required; see above)
//	    --keyring FILE       the keyring file (with a token)
//	    --name COOKIE        the cookie name the token was minted for (with a token)
//	    --audience A         its audience label, if the application sets one
//	    --dictionary DICT    an application compression dictionary, to read tokens
//	                         compressed with it; repeat for more
//	    --subject S          revoke every session of subject S instead of one token
//	    --max-lifetime D     the longest a session of the application lives
//	                         (its absolute timeout). A token's entry lasts until
//	                         the token's own expiry plus 60s of skew, capped at
//	                         created + D (default: no cap, the token's own
//	                         expiry decides); a --subject entry lasts D plus
//	                         60s (default 12h, the application's default)
//	    --json               print {"revoked": "session" or "subject", "session_id",
//	                         "subject", "already", "before", "until"}, each field
//	                         only when it applies
//
//	Examples:
//	    sessionctl revoke --revocations /var/lib/myapp/revoked.log --keyring keyring.json --name session AQ8jLB0…
//	    sessionctl revoke --revocations /var/lib/myapp/revoked.log --subject alice
//
// # sessionctl sessions list
//
//	Usage:
//	    sessionctl sessions list --subject S [--registry SPEC] [--revocations SPEC]
//	                             [--idle-timeout D] [--json]
//
//	Lists a user's live sessions as the application's session registry holds
//	them (cookie.Options.Registry), the most recently seen first, while the
//	application runs: each session's ID, when it was created, when a token of
//	it was last issued (LAST_SEEN: the application updates it when it reissues
//	the token, not on every request), its absolute expiry, and the labels the
//	application recorded, such as a device name. Nothing secret is printed: a
//	registry holds no token.
//
//	With --revocations, sessions that were revoked (a logout, sessionctl revoke
//	or sessions revoke) are left out, as the application's own list leaves
//	them out (a Redis registry drops their entries on the way, as the
//	application does); without it, every registered session that has not
//	expired is listed. A session signed in before the registry was turned on
//	is not listed until it signs in again.
//
//	SPEC for --registry names the application's session registry:
//	    PATH            its durable registry file (registry.NewLocal), such as
//	                    /var/lib/myapp/sessions.log, or file:///… for the same.
//	                    The application holds it open for writing; sessionctl
//	                    reads it beside the application, without a lock, and
//	                    never writes it.
//	    redis://…       the Redis registry several instances share
//	                    (redisset.NewRegistry), with the URL and parameters of
//	                    the Redis revocation set: one URL configures both, so
//	                    when --revocations is a redis:// or rediss:// URL,
//	                    --registry defaults to it. The URL is never echoed.
//	A registry file has no default: give it when --revocations is a file.
//
//	SPEC for --revocations is as for `sessionctl revoke`: a revocation file,
//	or a redis:// URL (see `sessionctl help revoke`).
//
//	Options:
//	    --subject S          the user whose sessions to list (required)
//	    --registry SPEC      the session registry (see above; default: the Redis
//	                         of --revocations, when that is a redis:// URL)
//	    --revocations SPEC   the revocation set, to leave revoked sessions out
//	    --idle-timeout D     the application's idle timeout, to leave out the
//	                         sessions idle longer than it (default: none, a
//	                         session is listed until its absolute expiry)
//	    --json               print a JSON array of {"id", "created",
//	                         "last_seen", "expires", "labels"}
//
//	Examples:
//	    sessionctl sessions list --subject alice --registry /var/lib/myapp/sessions.log --revocations /var/lib/myapp/revoked.log
//	    sessionctl sessions list --subject alice --revocations redis://redis.internal:6379/0 --json
//
// # sessionctl sessions revoke
//
//	Usage:
//	    sessionctl sessions revoke --subject S --revocations SPEC [--registry SPEC]
//	                               [--json] ID
//
//	Ends one of a user's sessions ("sign out this device") while the
//	application runs, as its "your sessions" page does: every token of the
//	session is refused from then on, by every instance sharing the revocation
//	set (with a revocation file, within a second). ID is the session's ID as
//	`sessionctl sessions list` prints it, 32 hexadecimal characters. It must be
//	one of the subject's registered sessions: otherwise the command fails and
//	nothing changes, so an ID given with the wrong subject never ends somebody
//	else's session.
//
//	The revocation lasts until the session's absolute expiry plus 60s of skew.
//	A Redis registry drops the session's entry at once. A registry file is
//	written by the application alone: it keeps the entry until it next lists
//	the subject's sessions, and drops it then. Either way the session is never
//	listed again, by the application or by sessions list --revocations.
//
//	SPEC for --registry names the application's session registry:
//	    PATH            its durable registry file (registry.NewLocal), such as
//	                    /var/lib/myapp/sessions.log, or file:///… for the same.
//	                    The application holds it open for writing; sessionctl
//	                    reads it beside the application, without a lock, and
//	                    never writes it.
//	    redis://…       the Redis registry several instances share
//	                    (redisset.NewRegistry), with the URL and parameters of
//	                    the Redis revocation set: one URL configures both, so
//	                    when --revocations is a redis:// or rediss:// URL,
//	                    --registry defaults to it. The URL is never echoed.
//	A registry file has no default: give it when --revocations is a file.
//
//	SPEC for --revocations is as for `sessionctl revoke` (see its help); a
//	revocation file must exist: it is the one the application uses.
//
//	Options:
//	    --subject S          the user whose session to end (required)
//	    --revocations SPEC   the revocation set (required)
//	    --registry SPEC      the session registry (see above; default: the Redis
//	                         of --revocations, when that is a redis:// URL)
//	    --json               print {"revoked": "session", "session_id",
//	                         "subject", "until"}
//
//	Examples:
//	    sessionctl sessions revoke --subject alice --registry /var/lib/myapp/sessions.log --revocations /var/lib/myapp/revoked.log 3f1c0e7a9b2d4c6e8f1a2b3c4d5e6f70
//	    sessionctl sessions revoke --subject alice --revocations redis://redis.internal:6379/0 3f1c0e7a9b2d4c6e8f1a2b3c4d5e6f70
//
// # sessionctl dict train
//
//	Usage:
//	    sessionctl dict train --samples DIR|FILE -o DICT [--id N] [--size BYTES]
//	                          [--json]
//
//	Trains a compression dictionary on sample session data and writes it to DICT
//	in the Zstandard dictionary format, which codec.NewDictionary loads: give it to
//	the application's codec (codec.Options.Dictionary) so that tokens compress
//	better, and keep it registered (codec.Options.Dictionaries) for as long as
//	tokens compressed with it live.
//
//	The samples are session data as the application stores it, one session each:
//	a directory with one sample per file, or a JSON-lines file with one per line
//	(optionally zstd-compressed, like the corpus crumb's built-in dictionary was
//	trained on). JSON samples are first rewritten as crumb's JSON serializer writes
//	them (compact, keys sorted). At least 8 samples are needed; a few hundred
//	representative ones do well.
//
//	It then prints how well the dictionary compresses the samples: their total size
//	raw, compressed without a dictionary, with the built-in dictionary (ID 1), and
//	with the new one, as the codec stores them by default. These are measured on
//	the training samples themselves: new sessions gain a little less.
//
//	DICT is created with mode 0600, since a dictionary holds fragments of its
//	samples, and is never overwritten: a dictionary's bytes must not change once
//	tokens use its ID, so a retrained dictionary gets a new ID and a new file.
//
//	Options:
//	    --samples DIR|FILE   the samples (required)
//	    -o, --output DICT    the dictionary file to create (required)
//	    --id N               the dictionary ID, carried in every token compressed
//	                         with it: 32768 to 2147483647 (default 32768); lower IDs
//	                         are reserved for crumb's built-in dictionaries, higher
//	                         ones by the Zstandard format (RFC 8878)
//	    --size BYTES         the content size to aim for, 256 to 65536 (default
//	                         16384)
//	    --json               print {"dictionary", "id", "content", "samples",
//	                         "raw", "no_dictionary", "builtin", "trained"}, sizes in
//	                         bytes
//
//	Examples:
//	    sessionctl dict train --samples sessions/ -o myapp-v1.zdict --id 32768
//	    sessionctl dict train --samples sessions.jsonl -o myapp-v2.zdict --id 32769 --size 32768
//
// # sessionctl version
//
//	Usage:
//	    sessionctl version [--json]
//
//	Prints the version of sessionctl (the crumb module version it was built from;
//	a build from a source tree prints the last release followed by +devel), the Go
//	version it was built with, and the token format version it reads and writes.
//
//	Options:
//	    --json   print {"version", "go", "token_format"}
//
//	Examples:
//	    sessionctl version
//	    sessionctl version --json | jq -r .version
//
// # sessionctl demo
//
//	Usage:
//	    sessionctl demo [--addr ADDR] [--keyring FILE] [--revocations SPEC]
//	                    [--registry SPEC] [--state DIR] [--watch-interval D]
//	                    [--dev]
//
//	Serves a small web application on crumb's middleware, over plain HTTP, and
//	prints its URL. Open it in a browser: the page shows the session, the size of
//	its cookie and how many cookies it takes, the key that sealed it, and its idle
//	and absolute expiry, with forms to log in, add data (also enough to need
//	several cookies), log out, and log out everywhere; signed in, a "Your
//	sessions" table lists the user's sessions (device, network, created, last
//	active, "this device") with a button to sign out each, and one to sign out
//	all the others. Scripts use its JSON API:
//
//	    POST /login        form field user: log in (a new session ID)
//	    GET  /session      the session as JSON; 401 without one
//	    POST /session      a JSON object merged into the session data (null deletes)
//	    POST /logout       log out: the session is revoked and the cookie deleted
//	    POST /logout-all   log out every session of the user
//	    GET  /sessions     the user's sessions: [{id, created, last_seen,
//	                       expires, labels, current}]; 401 without a user
//	    POST /sessions/ID/revoke
//	                       end one of them (the request's own: a logout); 404
//	                       for an ID that is not one of the user's sessions
//	    POST /sessions/revoke-others
//	                       end every session of the user but the request's own
//	    GET  /stats        the revocation set: its entries, bounds and health
//
//	The defaults need nothing: a development keyring is generated in the state
//	directory on the first run, and revocations are kept in a durable file beside
//	it, so logouts survive a restart; so does the session registry, in
//	sessions.log beside them (with a redis:// --revocations URL, on that Redis
//	instead). The keyring file is reloaded when it changes and on SIGHUP: rotate
//	it with `sessionctl keys add/promote` while the demo runs.
//	Cookies go without the Secure attribute to loopback addresses only (the
//	middleware's dev mode), so serve it on 127.0.0.1 or localhost.
//
//	Options:
//	    --addr ADDR          where to listen (default 127.0.0.1:8080; port 0
//	                         picks a free one)
//	    --keyring FILE       the keyring file (default STATE/keyring.json,
//	                         generated when missing)
//	    --revocations SPEC   the revocation set (default STATE/revocations.log)
//	                         SPEC is a revocation file path, or a redis:// URL
//	                         for several instances (see sessionctl help revoke);
//	                         with Redis, add ?outbox=PATH so that logouts made
//	                         while Redis is down are kept and delivered later
//	    --registry SPEC      the session registry the sessions table lists
//	                         (default STATE/sessions.log, or the Redis of a
//	                         redis:// --revocations URL): a registry file,
//	                         which the demo writes and `sessionctl sessions`
//	                         reads while it runs, or a redis:// URL
//	    --state DIR          the state directory (default
//	                         $XDG_STATE_HOME/sessionctl/demo, or
//	                         ~/.local/state/sessionctl/demo)
//	    --watch-interval D   how often the keyring file is checked for changes
//	                         (default 2s)
//	    --dev                log every request's session handling (debug
//	                         level). The middleware always runs in its dev
//	                         mode here (plain HTTP): cookies without Secure on
//	                         loopback, and a session change after the response
//	                         headers panics
//
//	Examples:
//	    sessionctl demo
//	    sessionctl demo --addr 127.0.0.1:0 --state /tmp/crumb-demo
//	    curl -c jar -b jar -d user=ann http://127.0.0.1:8080/login
//	    curl -c jar -b jar http://127.0.0.1:8080/session
//	    curl -c jar -b jar -d '{"theme":"dark"}' http://127.0.0.1:8080/session
package main

// This file is generated from the usage texts by TestDoc (go test -run TestDoc -update).
