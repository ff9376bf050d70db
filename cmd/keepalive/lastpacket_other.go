//go:build !linux

package main

import (
	"net"
	"time"
)

// sinceLastPacket is known on Linux only (TCP_INFO); elsewhere the
// command says what it can: when data last came.
func sinceLastPacket(net.Conn) (time.Duration, bool) { return 0, false }
