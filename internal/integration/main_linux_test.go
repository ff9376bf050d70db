package integration_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestMain fails the run if any test leaves a goroutine behind, and
// prints which integration tests ran and which skipped
// (netns.Summarised).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

// What the tests share with the root package's (internal/sockettest).
var (
	cfg          = sockettest.Config
	ours         = sockettest.Ours
	pair         = sockettest.Pair
	listen       = sockettest.Listen
	listenConfig = sockettest.ListenConfig
	readKernel   = sockettest.ReadKernel
)
