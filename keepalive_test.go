package keepalive_test

import (
	"errors"
	"math"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestMain fails the run if any test leaves a goroutine behind, the way a
// listener wrapper or a hook could, and prints which integration tests
// ran and which skipped (netns.Summarised).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

// Loopback listeners and connections, shared with internal/integration's
// tests (internal/sockettest).
var (
	pair         = sockettest.Pair
	listen       = sockettest.Listen
	listenConfig = sockettest.ListenConfig
)

// skipUnsupported skips a test of c where the running system lacks an
// option c sets (a probe count on Windows before 10 1703 and under Wine,
// a user timeout on NetBSD): the table tests check every system's
// table on every system.
func skipUnsupported(t *testing.T, c keepalive.Config) {
	t.Helper()
	if err := c.Validate(); errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("this system cannot take %v: %v", c, err)
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, c := range []keepalive.Config{
		{},
		{Idle: keepalive.System, Interval: keepalive.System, Count: keepalive.System, UserTimeout: keepalive.System},
		{Idle: time.Nanosecond, Interval: time.Nanosecond, Count: 1},
		{Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4},
	} {
		t.Run(c.String(), func(t *testing.T) {
			skipUnsupported(t, c)
			assert.NoError(t, c.Validate(), "%#v", c)
		})
	}
}

func TestValidateRejectsNegative(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     keepalive.Config
		field string
	}{
		{"idle", keepalive.Config{Idle: -2 * time.Second}, "Idle"},
		{"interval", keepalive.Config{Interval: -time.Hour}, "Interval"},
		{"count", keepalive.Config{Count: -2}, "Count"},
		{"user timeout", keepalive.Config{UserTimeout: -2}, "UserTimeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			var ce *keepalive.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Contains(t, err.Error(), "negative")
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestValidateJoinsEveryError(t *testing.T) {
	err := keepalive.Config{Idle: -5, Count: -5}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Idle")
	assert.Contains(t, err.Error(), "Count")
}

// A Multipath TCP connection adds the close timeout to the bound, but an
// invalid Config's unbounded Timeout must not wrap around to a negative.
func TestStateTimeoutUnboundedMultipath(t *testing.T) {
	s := keepalive.State{Enabled: true, Multipath: true, Config: keepalive.Config{Count: -3}}
	assert.Equal(t, time.Duration(math.MaxInt64), s.Timeout())
	s.Config = keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	assert.Greater(t, s.Timeout(), 5*time.Second, "the close timeout is added to a bounded Config")
}

// TestNilEntryPoints: every exported entry point given a nil (or typed
// nil) value returns an error or does nothing; none panics.
func TestNilEntryPoints(t *testing.T) {
	cfg := keepalive.Within(30 * time.Second) // valid on every system
	bad := keepalive.Config{Count: -1}
	for _, tt := range []struct {
		name string
		call func() error // nil: must do nothing, without an error
		want string       // in the error, or "" if none expected
	}{
		{"Control, nil RawConn", func() error { return keepalive.Control(cfg)("tcp", "127.0.0.1:0", nil) }, "nil syscall.RawConn"},
		{"Control, nil RawConn, tcp6", func() error { return keepalive.Control(cfg)("tcp6", "[::1]:0", nil) }, "nil syscall.RawConn"},
		{"Control, nil RawConn, invalid Config", func() error { return keepalive.Control(bad)("tcp4", "127.0.0.1:0", nil) }, "nil syscall.RawConn"},
		{"Control, nil RawConn, udp", func() error { return keepalive.Control(cfg)("udp", "127.0.0.1:0", nil) }, ""},
		{"Set, nil conn", func() error { return keepalive.Set(nil, cfg) }, "nil connection"},
		{"Set, typed nil conn", func() error { return keepalive.Set((*net.TCPConn)(nil), cfg) }, "nil connection"},
		{"Get, nil conn", func() error { _, err := keepalive.Get(nil); return err }, "nil connection"},
		{"Get, typed nil conn", func() error { _, err := keepalive.Get((*net.TCPConn)(nil)); return err }, "nil connection"},
		{"WithKeepalive, nil Dialer", func() error { keepalive.WithKeepalive(cfg)(nil); return nil }, ""},
		{"NewDialer, nil option", func() error { keepalive.NewDialer(nil, keepalive.WithKeepalive(cfg)); return nil }, ""},
		{"ConfigureListenConfig, nil", func() error { keepalive.ConfigureListenConfig(nil, cfg); return nil }, ""},
		{"nil *Listener, Accept", func() error { var l *keepalive.Listener; _, err := l.Accept(); return err }, "nil Listener"},
		{"nil *Listener, Close", func() error { var l *keepalive.Listener; return l.Close() }, "nil Listener"},
		{"nil *Listener, Addr", func() error { var l *keepalive.Listener; return notNil(l.Addr()) }, ""},
		{"nil *Listener, Unwrap", func() error { var l *keepalive.Listener; return notNil(l.Unwrap()) }, ""},
		{"WrapListener(nil), Accept", func() error { _, err := keepalive.WrapListener(nil, cfg).Accept(); return err }, "nil Listener"},
		{"WrapListener(nil), Close", func() error { return keepalive.WrapListener(nil, cfg).Close() }, "nil Listener"},
		{"WrapListener(nil), Addr", func() error { return notNil(keepalive.WrapListener(nil, cfg).Addr()) }, ""},
		{"WrapListener(typed nil), Accept, invalid Config", func() error {
			_, err := keepalive.WrapListener((*net.TCPListener)(nil), bad).Accept()
			return err
		}, "nil Listener"},
		{"WrapListener(typed nil), Addr", func() error { return notNil(keepalive.WrapListener((*net.TCPListener)(nil), cfg).Addr()) }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = tt.call() })
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// notNil turns a value that should be nil into an error if it is not.
func notNil(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case net.Addr:
		if v == nil {
			return nil
		}
	}
	return errors.New("not nil")
}
