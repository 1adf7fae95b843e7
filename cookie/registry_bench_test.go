package cookie_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/crumbhq/crumb/registry"
)

// BenchmarkRegistry measures what the session registry (Options.Registry)
// costs, in the same run with and without it: reading a signed-in session
// (Read and one typed value: the registry is never consulted, so the two
// must match within noise), and signing in (Create with a subject: the
// registry records the session; in memory, and durable with an fsync).
func BenchmarkRegistry(b *testing.B) {
	small := sessiongen.New(99).Small()
	mem, err := registry.NewLocal(registry.LocalOptions{PruneInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mem.Close() })
	disk, err := registry.NewLocal(registry.LocalOptions{Path: filepath.Join(b.TempDir(), "sessions.log"), PruneInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { disk.Close() })
	stores := []struct {
		name string
		s    *cookie.Store
	}{
		{"off", newStore(b, cookie.Options{})},
		{"memory", newStore(b, cookie.Options{Registry: mem})},
		{"durable", newStore(b, cookie.Options{Registry: disk})},
	}
	for _, st := range stores[:2] {
		tok, err := st.s.Create(ctx, cookie.CreateOptions{Subject: "ann@example.com", Data: small})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("read/"+st.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := st.s.Read(ctx, tok)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := cookie.Get[string](r, "locale"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Sign-ins cycle through many users, each far below the registry's
	// bound per user.
	subjects := make([]string, 1<<16)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("user-%d@example.com", i)
	}
	for _, st := range stores {
		b.Run("sign-in/"+st.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := st.s.Create(ctx, cookie.CreateOptions{Subject: subjects[i%len(subjects)], Data: small}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
