package keepalive_test

// SystemDefaults against the sysctls.

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

func TestSystemDefaults(t *testing.T) {
	d, err := keepalive.SystemDefaults()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(sysctl(t, "net.ipv4.tcp_keepalive_time"))*time.Second, d.Config.Idle)
	assert.Equal(t, time.Duration(sysctl(t, "net.ipv4.tcp_keepalive_intvl"))*time.Second, d.Config.Interval)
	assert.Equal(t, sysctl(t, "net.ipv4.tcp_keepalive_probes"), d.Config.Count)
	assert.Equal(t, sysctl(t, "net.ipv4.tcp_retries2"), d.Retries)
	assert.Positive(t, d.BusyTimeout)
	assert.Contains(t, d.String(), "a dead idle peer is noticed after "+d.Config.Timeout().String())
}
