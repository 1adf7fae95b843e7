package main

import (
	"encoding/json"
	"time"
)

// printJSON writes v to standard output as indented JSON, HTML characters
// unescaped.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// timeText formats t in RFC 3339, UTC, whole seconds; "" for the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// timeOrDash is timeText with "-" for the zero time, for tables.
func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return timeText(t)
}
