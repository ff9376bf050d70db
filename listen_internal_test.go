package keepalive

// How ConfigureListenConfig sets up each system's listener.

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListenConfigFor checks how ListenConfig sets up each system: on
// the listening socket where accepted sockets inherit every option, else
// through Go's per-accept keep-alive, refusing a user timeout that would
// not reach accepted connections.
func TestListenConfigFor(t *testing.T) {
	withUT := Config{Idle: 37 * time.Second, Interval: 11 * time.Second, Count: 4, UserTimeout: 23 * time.Second}
	noUT := withUT
	noUT.UserTimeout = 0
	tests := []struct {
		name      string
		table     *sockopts
		c         Config
		onSocket  bool // set once on the listening socket
		refusesUT bool
	}{
		{"linux inherits everything", linuxOptions, withUT, true, false},
		{"freebsd inherits the keep-alive timers", freebsdOptions, noUT, true, false},
		{"freebsd does not copy TCP_MAXUNACKTIME", freebsdOptions, withUT, false, true},
		{"darwin does not copy the idle time", darwinOptions, noUT, false, false},
		{"darwin does not copy TCP_RXT_CONNDROPTIME", darwinOptions, withUT, false, true},
		{"darwin leaving idle to the system", darwinOptions, Config{Idle: System, Interval: 11 * time.Second, Count: 4}, true, false},
		{"netbsd", netbsdOptions, noUT, false, false},
		{"illumos inherits everything (tcp_init_values)", illumosOptions, withUT, true, false},
		{"dragonfly inherits the keep-alive options (tcp(4))", dragonflyOptions, noUT, true, false},
		{"windows", windowsOptions, withUT, false, true},
		{"openbsd copies SO_KEEPALIVE", openbsdOptions, Config{}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc := &net.ListenConfig{}
			configureListenConfig(tt.table, lc, tt.c)
			if tt.onSocket {
				assert.Equal(t, time.Duration(-1), lc.KeepAlive, "Go's per-accept keep-alive off")
				assert.Equal(t, net.KeepAliveConfig{}, lc.KeepAliveConfig)
				return
			}
			assert.Zero(t, lc.KeepAlive)
			assert.Equal(t, goConfigFor(tt.table, tt.c), lc.KeepAliveConfig)
			require.NotNil(t, lc.Control)
			err := lc.Control("tcp", "127.0.0.1:0", nil)
			if !tt.refusesUT {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errors.ErrUnsupported)
			assert.ErrorContains(t, err, tt.table.userTimeout.name)
			assert.ErrorContains(t, err, "use WrapListener")
			assert.NoError(t, lc.Control("udp", "127.0.0.1:0", nil), "other networks are left alone")
		})
	}
	// NetBSD's listener hands Go doubled durations: Go writes seconds
	// into options that count 500ms ticks.
	lc := &net.ListenConfig{}
	configureListenConfig(netbsdOptions, lc, noUT)
	assert.Equal(t, 74*time.Second, lc.KeepAliveConfig.Idle)
	assert.Equal(t, 22*time.Second, lc.KeepAliveConfig.Interval)
}
