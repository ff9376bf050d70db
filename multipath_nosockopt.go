//go:build !unix && !windows

package keepalive

import (
	"net"
	"syscall"
)

// setAccepted is setConn: no Multipath TCP, nothing to skip here.
func setAccepted(sc syscall.Conn, c Config, generic, _ bool, _ uint8) (bool, error) {
	return false, setConn(sc, c, generic)
}

func heldOptions(syscall.Conn, Config, net.KeepAliveConfig) uint8 { return 0 }

// setRaw: no socket options through a raw socket here.
func setRaw(syscall.RawConn, Config, bool) error {
	return unsupported("setting keep-alive from a Control hook")
}
