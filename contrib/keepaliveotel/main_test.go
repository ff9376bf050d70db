package keepaliveotel_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestMain fails the run if a test leaves a goroutine behind, and counts
// which integration tests ran and which skipped (netns.Summarised).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(netns.Summarised{M: m})
}
