//go:build !linux

package keepalive

import (
	"errors"
	"fmt"
	"math"
	"net"
	"runtime"
	"syscall"
	"time"
)

// Elsewhere the library sets keep-alive through Go's own
// (*net.TCPConn).SetKeepAliveConfig, which takes whole seconds as an int
// on every system; it has no user timeout and no read-back. Native
// support for each system slots in as its own options_GOOS.go file
// defining the functions below.
var platform = limits{
	os:          runtime.GOOS,
	maxIdle:     math.MaxInt32 * time.Second,
	maxInterval: math.MaxInt32 * time.Second,
	maxCount:    math.MaxInt32,
}

func unsupported(what string) error {
	return fmt.Errorf("keepalive: %s on %s: %w", what, runtime.GOOS, errors.ErrUnsupported)
}

func retransmitLimits() (int, time.Duration, error) {
	return 0, 0, unsupported("reading the system's retransmission limits")
}

func systemDefaults() (Config, error) {
	return Config{}, unsupported("reading the system's keep-alive defaults")
}

func setConn(sc syscall.Conn, c Config, _ bool) error {
	tc, ok := sc.(*net.TCPConn)
	if !ok {
		return unsupported(fmt.Sprintf("keep-alive on a %T", sc))
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
	return unsupported("TCP_USER_TIMEOUT")
}

// configureListenConfig leaves the work to Go's own keep-alive, which
// sets c on each accepted connection.
func configureListenConfig(lc *net.ListenConfig, c Config) {
	lc.KeepAliveConfig = goConfig(c)
	verr := c.Validate()
	lc.Control = func(network, _ string, _ syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		return verr
	}
}
