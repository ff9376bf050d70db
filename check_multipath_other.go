//go:build !linux

package keepalive

import "net"

// multipathClose: Multipath TCP sockets exist only on Linux.
func multipathClose(uintptr, *net.TCPConn, bool, *Health) error { return nil }
