//go:build unix

package registry

import (
	"fmt"
	"sync"
	"testing"
)

// TestWriterAndReaderConcurrently changes a durable registry from several
// goroutines while another rewrites its file and a reader follows it; in
// the end the reader lists exactly what the writer does.
func TestWriterAndReaderConcurrently(t *testing.T) {
	const goroutines, ops, subjects = 4, 150, 5
	path := tempPath(t)
	w := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	ro := open(t, LocalOptions{Path: path, ReadOnly: true})
	name := func(s int) string { return fmt.Sprint("user-", s) }

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range ops {
				s := name((g + i) % subjects)
				n := g*ops + i
				var err error
				switch i % 4 {
				case 0:
					_, err = w.Add(ctx, ent(s, n, i, map[string]string{"g": fmt.Sprint(g)}), now)
				case 1:
					err = w.Seen(ctx, s, sid(n-1), sec(1000+i), map[string]string{"i": fmt.Sprint(i)})
				case 2:
					err = w.Remove(ctx, s, sid(n-6))
				case 3:
					if i%20 == 3 {
						err = w.RemoveBefore(ctx, s, sec(i-40))
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() { // rewrites, as when the file has grown
		for range 20 {
			if err := w.file.forceRewrite(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() { // a reader listing all along
		for i := range 300 {
			if _, err := ro.List(ctx, name(i%subjects), now); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	w.file.flush()
	for s := range subjects {
		want := mustList(t, w, name(s))
		if len(want) > 4 {
			t.Fatalf("subject %d holds %d entries", s, len(want))
		}
		equalLists(t, fmt.Sprint("reader, subject ", s), mustList(t, ro, name(s)), want)
	}
	if err := ro.Health(ctx); err != nil {
		t.Fatal(err)
	}
	// And a restart loads the same.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2 := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	for s := range subjects {
		equalLists(t, fmt.Sprint("after a restart, subject ", s), mustList(t, w2, name(s)), mustList(t, ro, name(s)))
	}
}
