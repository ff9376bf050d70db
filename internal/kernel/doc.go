// Package kernel holds what the systems' kernels define that several
// packages of this repository need and golang.org/x/sys does not give:
// the errors with which each system family reports that a TCP
// connection's peer is gone (PeerGone), and Linux's MPTCP_INFO socket
// option. The library (keepalive.IsPeerGone), the command, the
// integration modules and the test harness all read them from here. It
// is for this repository, not API.
package kernel

// An Errno is one error with which a kernel reports that a connection's
// peer is gone.
type Errno struct {
	Err  error  // a syscall.Errno (a Winsock error number on Windows)
	Name string // as the system's headers name it: "ETIMEDOUT"
	// Says is what it means, in an operator's words: "timed out".
	Says string
	// Why is how the connection came to it, "" where Says is enough.
	Why string
	// Reset: the connection was ended by a reset or an abort, not by
	// silence (unanswered probes, a user timeout, a router's report).
	// ECONNABORTED counts as one: no kernel returns it for a peer that
	// went silent. Linux sets it only on a socket destroyed through
	// sock_diag (net/ipv4/tcp_diag.c, tcp_diag_destroy: ss -K) or closed
	// in repair mode (net/ipv4/tcp.c, tcp_disconnect), and gives
	// ETIMEDOUT or the last ICMP error when its timers run out; Windows
	// returns WSAECONNABORTED to a send on a connection it dropped
	// earlier, as Unix returns EPIPE, which is counted with the resets
	// for the same reason.
	Reset bool
}
