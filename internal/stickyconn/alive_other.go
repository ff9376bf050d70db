//go:build !linux

package stickyconn

import "net"

// established: only Linux hands a transient ICMP error to Read (with
// IP_RECVERR, which neither Go nor these modules set); elsewhere every
// peer-gone error sticks.
func established(net.Conn) bool { return false }
