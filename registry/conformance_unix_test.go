//go:build unix

package registry_test

import (
	"path/filepath"
	"testing"

	"github.com/crumbhq/crumb/internal/registrytest"
	"github.com/crumbhq/crumb/registry"
)

func TestConformanceDurable(t *testing.T) {
	registrytest.Run(t, func(t *testing.T, maxPerSubject int) registry.Registry {
		path := filepath.Join(t.TempDir(), "sessions")
		r, err := registry.NewLocal(registry.LocalOptions{Path: path, MaxPerSubject: maxPerSubject, PruneInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}
