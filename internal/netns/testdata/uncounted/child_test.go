// Package uncounted is what TestEveryIntegrationTestCounted must
// reject: integration tests that could skip uncounted, in a package
// without a Summarised TestMain. It is only parsed, never built.
package uncounted

import (
	"testing"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func TestIntegrationTracked(t *testing.T) {
	t.Parallel()
	netns.Track(t)
}

func TestIntegrationUntracked(t *testing.T) {
	t.Parallel()
	skipIfNoServer(t)
	netns.New(t)
}

func TestIntegrationLate(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: short")
	}
	netns.Track(t)
}

func skipIfNoServer(t *testing.T) { t.Skip("skipping: no server") }
