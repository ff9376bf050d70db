package keepalivepq_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestMain plays the Call a re-executed test binary is asked for
// (integration_linux_test.go), else runs the tests.
func TestMain(m *testing.M) {
	netns.Play(calls, nil)
	goleak.VerifyTestMain(netns.Summarised{M: m})
}
