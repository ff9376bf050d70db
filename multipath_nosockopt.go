//go:build !unix && !windows

package keepalive

import "syscall"

// setAccepted is setConn: no Multipath TCP here.
func setAccepted(sc syscall.Conn, c Config, generic, _ bool) (bool, error) {
	return false, setConn(sc, c, generic)
}

// setRaw: no socket options through a raw socket here.
func setRaw(syscall.RawConn, Config, bool) error {
	return unsupported("setting keep-alive from a Control hook")
}
