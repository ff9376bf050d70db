//go:build !linux

package keepalive

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"syscall"
)

// configureListenConfig leaves idle, interval and count to Go's own
// keep-alive, which sets them on each accepted connection: outside Linux
// it is not known for every system that accepted sockets keep their
// listener's values (darwin's do not keep the idle time), and goConfig
// scales them to the kernel's units where Go's differ. A net.ListenConfig
// has no other per-accept hook, so a user timeout is set on the
// listening socket only where accepted sockets are known to inherit it,
// and refused elsewhere: WrapListener sets it on each connection.
func configureListenConfig(lc *net.ListenConfig, c Config) {
	lc.KeepAliveConfig = goConfig(c)
	verr := c.Validate()
	if t := platform(); verr == nil && c.UserTimeout > 0 && !t.userTimeout.inherited {
		verr = fmt.Errorf("keepalive: %s set on a listening socket does not reach accepted connections on %s; use WrapListener: %w",
			t.userTimeout.name, runtime.GOOS, errors.ErrUnsupported)
	}
	lc.Control = func(network, _ string, rc syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		if verr != nil {
			return verr
		}
		if c.UserTimeout > 0 {
			return setUserTimeout(rc, c)
		}
		return nil
	}
}
