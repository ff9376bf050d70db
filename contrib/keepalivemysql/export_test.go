package keepalivemysql

import "net"

// SetDialed makes f see every connection Configure's dial function
// dials; the function returned undoes it.
func SetDialed(f func(net.Conn)) func() {
	dialed = f
	return func() { dialed = nil }
}
