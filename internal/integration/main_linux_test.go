package integration_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestMain plays the End or Flow a re-executed test binary is asked for
// (netns.Play), else runs the tests: it fails the run if any test leaves
// a goroutine behind, and prints which integration tests ran and which
// skipped (netns.Summarised).
func TestMain(m *testing.M) {
	netns.Play(nil, nil)
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
	tcpInfo      = sockettest.TCPInfo
	queued       = sockettest.Queued
	soError      = sockettest.SOError
)

// inNamespace runs fn on a thread in network namespace ns, so that the
// sockets fn opens belong to ns and keep it after the thread is gone.
func inNamespace(t *testing.T, ns string, fn func() error) {
	t.Helper()
	require.NoError(t, netns.In(ns, fn))
}
