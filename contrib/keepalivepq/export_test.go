package keepalivepq

import "net"

// SetDialed makes f see every connection a Dialer dials, until the test
// ends.
func SetDialed(f func(net.Conn)) func() {
	dialed = f
	return func() { dialed = nil }
}
