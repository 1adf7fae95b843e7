package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// logger returns a logger for the library packages that log (the revocation
// set): warnings and errors become "sessionctl: warning:" lines on standard
// error; informational records are dropped.
func (c *cli) logger() *slog.Logger {
	return slog.New(&diagHandler{c: c})
}

// diagHandler is a slog.Handler printing records as sessionctl diagnostics.
type diagHandler struct {
	c     *cli
	attrs []slog.Attr
	group string
}

func (h *diagHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *diagHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		if a.Equal(slog.Attr{}) {
			return true
		}
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		fmt.Fprintf(&b, " %s=%v", key, a.Value.Resolve())
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.c.warnf("%s", b.String())
	return nil
}

func (h *diagHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], attrs...)
	return &h2
}

func (h *diagHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	if h2.group != "" {
		name = h2.group + "." + name
	}
	h2.group = name
	return &h2
}
