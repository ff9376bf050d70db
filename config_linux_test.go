package keepalive_test

// What each way in (Dialer, ListenConfig, WrapListener, Set) leaves on
// the socket, read back from the kernel: the Config, Go's defaults, the
// system's values, rounding, and nothing at all on bad input.

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// TestTheGoTrap shows the trap first: a Control hook alone is overwritten
// by Go once the socket is connected. Then each way in must end with
// exactly cfg on the socket.
func TestTheGoTrap(t *testing.T) {
	t.Run("control hook alone is overwritten", func(t *testing.T) {
		ln := listen(t, nil)
		dialed, _ := pair(t, ln, &net.Dialer{Control: keepalive.Control(cfg)})
		got := readKernel(t, dialed)
		assert.Equal(t, goDefaults.Idle, got.Idle, "Go no longer overwrites the hook's values; the library's reason to exist changed")
		assert.Equal(t, cfg.UserTimeout, got.UserTimeout)
	})
	t.Run("NewDialer", func(t *testing.T) {
		dialed, _ := pair(t, listen(t, nil), keepalive.NewDialer(keepalive.WithKeepalive(cfg)))
		assert.Equal(t, ours, readKernel(t, dialed))
	})
	t.Run("own Dialer", func(t *testing.T) {
		d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		keepalive.WithKeepalive(cfg)(d)
		dialed, _ := pair(t, listen(t, nil), d)
		assert.Equal(t, ours, readKernel(t, dialed))
	})
	t.Run("ConfigureListenConfig", func(t *testing.T) {
		_, accepted := pair(t, listen(t, listenConfig(cfg)), nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("WrapListener", func(t *testing.T) {
		// net.Listen's listener has Go's per-accept keep-alive on.
		ln := keepalive.WrapListener(listen(t, nil), cfg)
		_, accepted := pair(t, ln, nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("Set", func(t *testing.T) {
		dialed, accepted := pair(t, listen(t, nil), nil)
		require.Equal(t, goDefaults, readKernel(t, accepted))
		require.NoError(t, keepalive.Set(dialed, cfg))
		require.NoError(t, keepalive.Set(accepted, cfg))
		assert.Equal(t, ours, readKernel(t, dialed))
		assert.Equal(t, ours, readKernel(t, accepted))
	})
}

func TestZeroConfigIsGoDefault(t *testing.T) {
	dialed, accepted := pair(t, listen(t, listenConfig(keepalive.Config{})), keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{})))
	assert.Equal(t, goDefaults, readKernel(t, dialed))
	assert.Equal(t, goDefaults, readKernel(t, accepted))
}

func TestSystemLeavesTheSystemValue(t *testing.T) {
	sys := keepalive.Config{Idle: keepalive.System, Interval: keepalive.System, Count: keepalive.System}
	dialed, accepted := pair(t, listen(t, listenConfig(sys)), keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{Idle: 37 * time.Second, Count: keepalive.System})))
	sysIdle, sysIntvl, sysCount := sysctl(t, "net.ipv4.tcp_keepalive_time"), sysctl(t, "net.ipv4.tcp_keepalive_intvl"), sysctl(t, "net.ipv4.tcp_keepalive_probes")
	want := kernel{Protocol: unix.IPPROTO_TCP, KeepAlive: true, Idle: time.Duration(sysIdle) * time.Second, Interval: time.Duration(sysIntvl) * time.Second, Count: sysCount}
	assert.Equal(t, want, readKernel(t, accepted))
	want.Idle, want.Interval = 37*time.Second, 15*time.Second
	assert.Equal(t, want, readKernel(t, dialed))
	assert.Equal(t, want.Idle+want.Interval*time.Duration(sysCount), keepalive.Config{Idle: 37 * time.Second, Count: keepalive.System}.Timeout())
}

func TestRoundingUpReachesTheKernel(t *testing.T) {
	c := keepalive.Config{Idle: 1, Interval: 1500 * time.Millisecond, Count: 1, UserTimeout: 1}
	dialed, _ := pair(t, listen(t, nil), keepalive.NewDialer(keepalive.WithKeepalive(c)))
	got := readKernel(t, dialed)
	assert.Equal(t, time.Second, got.Idle)
	assert.Equal(t, 2*time.Second, got.Interval)
	assert.Equal(t, time.Millisecond, got.UserTimeout)
}

func TestBadInputChangesNothing(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     keepalive.Config
		field string
		limit string
	}{
		{"negative idle", keepalive.Config{Idle: -time.Second}, "Idle", "invalid Idle -1s: negative; use 0 for Go's default or keepalive.System for the system's"},
		{"negative interval", keepalive.Config{Interval: -2}, "Interval", "negative"},
		{"negative count", keepalive.Config{Count: -9}, "Count", "negative"},
		{"negative user timeout", keepalive.Config{UserTimeout: -time.Millisecond}, "UserTimeout", "invalid UserTimeout -1ms: negative; use 0 or keepalive.System to leave the system's setting (by default none)"},
		{"count above 127", keepalive.Config{Count: 128}, "Count", "outside 1–127, the range of TCP_KEEPCNT on linux"},
		{"idle above 32767s", keepalive.Config{Idle: 32767*time.Second + 1}, "Idle", "above 32767 s, the limit of TCP_KEEPIDLE on linux"},
		{"interval above 32767s", keepalive.Config{Interval: 32768 * time.Second}, "Interval", "above 32767 s, the limit of TCP_KEEPINTVL on linux"},
		{"user timeout above 2^31-1 ms", keepalive.Config{UserTimeout: (1<<31)*time.Millisecond + 1}, "UserTimeout", "above 2147483647 ms (2³¹−1), the limit of TCP_USER_TIMEOUT on linux"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkErr := func(err error) {
				t.Helper()
				var ce *keepalive.ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.field, ce.Field)
				assert.Contains(t, err.Error(), tt.limit)
			}
			checkErr(tt.c.Validate())

			dialed, accepted := pair(t, listen(t, nil), nil)
			before := readKernel(t, dialed)
			err := keepalive.Set(dialed, tt.c)
			checkErr(err)
			var oe *net.OpError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, "set", oe.Op)
			assert.Equal(t, before, readKernel(t, dialed), "a failed Set changed the socket")

			ln := listen(t, nil)
			_, err = keepalive.NewDialer(keepalive.WithKeepalive(tt.c)).Dial("tcp", ln.Addr().String())
			checkErr(err)
			_, err = listenConfig(tt.c).Listen(context.Background(), "tcp", "127.0.0.1:0")
			checkErr(err)

			wl := keepalive.WrapListener(ln, tt.c)
			_, err = wl.Accept()
			checkErr(err)
			_ = accepted
		})
	}
}
