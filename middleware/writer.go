package middleware

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
)

// writer wraps the response writer so that the session's Set-Cookie goes
// into the headers exactly once, before whichever comes first of Write,
// WriteHeader, Flush, ReadFrom and Hijack (or the end of the handler).
// Unwrap lets http.ResponseController reach the writer underneath for
// deadlines and full duplex.
type writer struct {
	http.ResponseWriter
	s         *Session
	committed bool
}

// commit writes the session's cookies into the headers, once. Like the
// ResponseWriter itself, it is not called concurrently.
func (w *writer) commit() {
	if !w.committed {
		w.committed = true
		w.s.commit()
	}
}

// WriteHeader commits the session, then sends the headers.
func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Informational responses (103 Early Hints) send the headers so
		// far and leave the final response to come: not yet.
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.commit()
	w.ResponseWriter.WriteHeader(code)
}

// Write commits the session, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	w.commit()
	return w.ResponseWriter.Write(b)
}

// ReadFrom commits the session, then copies from src, through the
// underlying writer's ReadFrom (sendfile) when it has one.
func (w *writer) ReadFrom(src io.Reader) (int64, error) {
	w.commit()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// writerOnly hides a ReadFrom method from io.Copy.
type writerOnly struct{ io.Writer }

// Flush commits the session, then flushes (http.Flusher).
func (w *writer) Flush() { _ = w.FlushError() }

// FlushError commits the session, then flushes, reporting an error if the
// underlying writer cannot flush (what http.ResponseController.Flush
// calls). A writer that cannot flush sends nothing, so the session is not
// committed then.
func (w *writer) FlushError() error {
	if !supports[http.Flusher](w.ResponseWriter) && !supports[interface{ FlushError() error }](w.ResponseWriter) {
		return fmt.Errorf("middleware: flush: %w", http.ErrNotSupported)
	}
	w.commit()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack commits the session into the headers, then hands over the
// connection (http.Hijacker). Headers written before (WriteHeader(101), as
// coder/websocket does) are sent with the hijack. Otherwise net/http never
// sends them: a handler that writes its own response (gorilla/websocket's
// Upgrade) must call Session.Commit first and write the Set-Cookie lines
// it returns, or the session's change is lost — reported as
// ErrCookieNotSent. A writer that cannot hijack (HTTP/2) leaves the session
// uncommitted.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !supports[http.Hijacker](w.ResponseWriter) {
		return nil, nil, fmt.Errorf("middleware: hijack: %w", http.ErrNotSupported)
	}
	if !w.committed {
		w.commit()
		w.s.hijacked()
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// supports reports whether w, or a writer it wraps (Unwrap, as
// http.ResponseController follows), implements T.
func supports[T any](w http.ResponseWriter) bool {
	for range 32 { // bounded: a wrapper chain is a few writers deep
		if _, ok := w.(T); ok {
			return true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
