package registry_test

import (
	"log/slog"
	"testing"

	"github.com/crumbhq/crumb/internal/registrytest"
	"github.com/crumbhq/crumb/registry"
)

var quiet = slog.New(slog.DiscardHandler)

func TestConformanceMemory(t *testing.T) {
	registrytest.Run(t, func(t *testing.T, maxPerSubject int) registry.Registry {
		r, err := registry.NewLocal(registry.LocalOptions{MaxPerSubject: maxPerSubject, PruneInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}
