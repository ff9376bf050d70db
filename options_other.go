//go:build !unix && !windows

package keepalive

import (
	"fmt"
	"net"
	"runtime"
	"syscall"
	"time"
)

// js/wasm and wasip1 have no TCP socket options; plan9 has only the
// keep-alive period that a connection's ctl file takes, which Go's own
// (*net.TCPConn).SetKeepAliveConfig writes.
func platform() *sockopts { return otherOptions }

var otherOptions = func() *sockopts {
	if runtime.GOOS == "plan9" {
		return plan9Options
	}
	return noOptions(runtime.GOOS)
}()

func retransmitLimits() (int, time.Duration, error) {
	return 0, 0, unsupported("reading the system's retransmission limits")
}

func systemDefaults() (Config, error) {
	return Config{}, unsupported("reading the system's keep-alive defaults")
}

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
