package cookie

import (
	"errors"
	"fmt"
)

// ErrSessionTooLarge means a session could not be saved because it no
// longer fits: its serialized data is over the store's cap, its token would
// be longer than Options.MaxTokenLen, or (in the middleware) its cookies
// would take more of the request's Cookie header than the middleware's
// HeaderBudget. Nothing was written, and the client keeps its previous
// cookie. The error is a *SizeError, carrying the sizes. HTTPStatus maps it
// to 413 Content Too Large: the request made the session grow past what a
// cookie can carry. Store less in the session; keep large data on the
// server and store its ID.
var ErrSessionTooLarge = errors.New("session too large to save")

// SizeError is the error for a session that no longer fits (it matches
// ErrSessionTooLarge): which limit it is over, by how much.
type SizeError struct {
	// What names what is over its limit: "data" (the serialized session
	// data, in bytes), "token" (the token, in characters) or "cookies" (the
	// session's cookies in the Cookie header, in bytes).
	What string
	// Size is how large it would be, and Limit how large it may be, in
	// the unit of What.
	Size, Limit int
	// Option names the setting that sets Limit, for the message.
	Option string
}

// Error says which limit the session crossed, by how much, and what to do.
func (e *SizeError) Error() string {
	unit := "bytes"
	if e.What == "token" {
		unit = "characters"
	}
	msg := fmt.Sprintf("session too large to save: its %s would be %d %s, over the limit of %d", e.What, e.Size, unit, e.Limit)
	if e.Option != "" {
		msg += " (" + e.Option + ")"
	}
	return msg + "; store less in the session (keep large data on the server and store its ID)"
}

// Is reports whether target is ErrSessionTooLarge.
func (e *SizeError) Is(target error) bool { return target == ErrSessionTooLarge }
