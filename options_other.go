//go:build !unix && !windows

package keepalive

import (
	"fmt"
	"net"
	"runtime"
	"sync"
	"syscall"
)

// platform: js/wasm and wasip1 have no TCP socket options; plan9 has
// only the keep-alive period that a connection's ctl file takes, which
// Go's own (*net.TCPConn).SetKeepAliveConfig writes.
var platform = sync.OnceValue(func() *sockopts { return tableFor(runtime.GOOS, "") })

func setConn(sc syscall.Conn, c Config, _ bool) error {
	tc, ok := sc.(*net.TCPConn)
	if !ok || !platform().keepAlive.exists() {
		return unsupported(fmt.Sprintf("setting keep-alive on a %T", sc))
	}
	return tc.SetKeepAliveConfig(goConfig(c))
}

func getConn(syscall.Conn, bool) (State, error) {
	return State{}, unsupported("reading keep-alive settings back")
}

func control(Config) func(network, address string, rc syscall.RawConn) error {
	return func(network, _ string, _ syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		return unsupported("setting keep-alive from a Control hook")
	}
}

// setUserTimeout is never reached: Validate refuses a UserTimeout here.
func setUserTimeout(syscall.RawConn, Config) error {
	return unsupported("setting a user timeout")
}

// inspectFD: there are no socket options to read (Check, Inspect).
func inspectFD(uintptr, bool, bool, *Health) error {
	return unsupported("checking a connection")
}
