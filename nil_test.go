package keepalive_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

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
