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

func systemDefaults() (Config, error) {
	return Config{}, unsupported("reading the system's keep-alive defaults")
}

func goConfig(c Config) net.KeepAliveConfig {
	return net.KeepAliveConfig{Enable: true, Idle: c.Idle, Interval: c.Interval, Count: c.Count}
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

// validateHook fails a dial or listen with c's Validate error (a
// UserTimeout among them) before Go's own keep-alive applies the rest.
func validateHook(c Config) func(network, address string, rc syscall.RawConn) error {
	verr := c.Validate()
	return func(network, _ string, _ syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		return verr
	}
}

// dialerSettings leaves the work to Go's own keep-alive, which sets c on
// each connection once it is connected.
func dialerSettings(c Config) (time.Duration, net.KeepAliveConfig, func(network, address string, rc syscall.RawConn) error) {
	return 0, goConfig(c), validateHook(c)
}

func configureListenConfig(lc *net.ListenConfig, c Config) {
	lc.KeepAliveConfig = goConfig(c)
	lc.Control = validateHook(c)
}
