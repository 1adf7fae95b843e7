package middleware

import (
	"errors"
	"slices"
	"strings"

	"github.com/crumbhq/crumb/cookie"
)

// Logging out a request that carries its session cookies more than once.
// Such a request is anonymous (which copy is the session is unknown), but a
// logout must still end the session, wherever a copy of its cookies is: so
// it assembles every token the duplicated cookies can make, revokes those
// that are tokens of the store, and fails if there are none.

// Bounds on what a logout examines of a request whose session cookies were
// sent twice, so that a request full of tossed cookies costs little: at
// most maxCandidates tokens are read and revoked, and maxAssemblies chunk
// sets hashed (each at most the header budget long).
const (
	// maxCandidates is the most distinct values of the first cookie a
	// logout examines, and of each chunk cookie for each of them.
	maxCandidates = 4
	// maxAssemblies is the most chunk sets a logout puts together.
	maxAssemblies = 16
)

// candidates returns the tokens that the session cookies in the Cookie
// header lines may carry when they were sent twice: each distinct value of
// the first cookie that is a whole token and, for each that heads a chunk
// set ("~k.TAG.PIECE"), the token that it and values of NAME.1 …
// NAME.(k-1) carrying its TAG assemble into and that hashes to the TAG,
// trying each combination of the duplicates. complete is false when the
// request carried more than the bounds let it examine: a token may then
// have been missed.
func (m *Manager) candidates(lines []string) (toks []string, complete bool) {
	complete = true
	var heads []string
	for i, v := range m.sessionCookies(lines) {
		switch {
		case i != 0 || v == "" || slices.Contains(heads, v):
		case len(heads) == maxCandidates:
			complete = false
		default:
			heads = append(heads, v)
		}
	}
	tries := maxAssemblies
	for _, head := range heads {
		if !strings.HasPrefix(head, "~") {
			toks = append(toks, head)
			continue
		}
		k, tag, first, ok := parseFirstChunk(head)
		if !ok {
			continue
		}
		// The values of each further chunk of this set: those carrying its
		// TAG, without it.
		var pieces [maxChunks][]string
		prefix := tag + "."
		for i, v := range m.sessionCookies(lines) {
			p, ok := strings.CutPrefix(v, prefix)
			switch {
			case i == 0 || i >= k || !ok || slices.Contains(pieces[i], p):
			case len(pieces[i]) == maxCandidates:
				complete = false
			default:
				pieces[i] = append(pieces[i], p)
			}
		}
		tok, done := m.assemble(first, tag, pieces[1:k], &tries)
		if tok != "" {
			toks = append(toks, tok)
		}
		complete = complete && done
	}
	return toks, complete
}

// assemble returns the token that the first chunk's piece and one value of
// each further chunk make, in order, and that hashes to tag, or "" if no
// combination does. It tries the combinations in turn, spending one of
// *tries on each; done is false when it ran out of tries first.
func (m *Manager) assemble(first, tag string, pieces [][]string, tries *int) (tok string, done bool) {
	for _, p := range pieces {
		if len(p) == 0 {
			return "", true // a chunk is missing
		}
	}
	var pick [maxChunks]int // which value of each chunk: an odometer
	var buf []byte
	for {
		if *tries == 0 {
			return "", false
		}
		*tries--
		buf = append(buf[:0], first...)
		for i, p := range pieces {
			buf = append(buf, p[pick[i]]...)
		}
		if len(buf) <= m.budget && tagMatches(tag, buf) {
			return string(buf), true
		}
		i := 0
		for ; i < len(pieces); i++ {
			if pick[i]++; pick[i] < len(pieces[i]) {
				break
			}
			pick[i] = 0
		}
		if i == len(pieces) {
			return "", true // every combination tried
		}
	}
}

// logoutTokens returns the request's tokens for a logout to revoke, and the
// records of those that open (for their subjects). They are the request's
// token or, when its session cookies were sent twice, the tokens assembled
// from them (candidates) that are tokens of the store, current or not: an
// expired or revoked token needs nothing more, but revoking its session
// again is harmless and ends a newer copy of a session that outlived one
// token's idle deadline. Then err is ErrLogoutUnverified if none is, or if
// the request carried more than a logout examines.
func (s *Session) logoutTokens() (toks []string, recs []*cookie.Record, err error) {
	if !s.in.dup {
		if s.in.token != "" {
			toks = []string{s.in.token}
		}
		return toks, nil, nil
	}
	cands, complete := s.wire.candidates(s.req.Header["Cookie"])
	for _, tok := range cands {
		rec, err := s.m.store.Read(s.req.Context(), tok)
		switch {
		case rec != nil:
			// Open, or authentic and current with the revocation set
			// unavailable (revoking it will fail, and say so).
			recs = append(recs, rec)
		case errors.Is(err, cookie.ErrNotFound):
			// Authentic, but expired or revoked.
		default:
			continue // not a token of this store
		}
		toks = append(toks, tok)
	}
	if len(toks) == 0 || !complete {
		err = ErrLogoutUnverified
	}
	return toks, recs, err
}
