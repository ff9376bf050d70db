package keepalivepgx_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func TestMain(m *testing.M) {
	netns.Play(calls, nil)
	goleak.VerifyTestMain(netns.Summarised{M: m})
}
