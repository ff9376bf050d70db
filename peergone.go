package keepalive

import (
	"errors"

	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// IsPeerGone reports whether err, through any wrapping, is one of the
// errors with which the kernel reports that a connection's peer is gone:
// keep-alive probes or the user timeout went unanswered (ETIMEDOUT), the
// peer or a middlebox reset the connection (ECONNRESET, ECONNABORTED), a
// write found the connection already dropped (EPIPE), a Multipath TCP
// connection lost its last subflow (ENOTCONN), or a router reported the
// peer's host unreachable while the kernel retried (EHOSTUNREACH,
// ENETUNREACH, and EACCES for ICMPv6 "administratively prohibited":
// Linux reports the last ICMP error instead of ETIMEDOUT).
//
// It is false for nil, for deadlines (os.ErrDeadlineExceeded), for
// net.ErrClosed (the connection was closed on this side), for context
// errors, and for io.EOF. An orderly close (FIN) is how a peer ends a
// connection normally, and whether it came too early is the application
// protocol's business; a peer whose host died sends no FIN, and a peer
// process that exited or crashed on a live host closes with FIN (io.EOF)
// or, with unread data, RST (ECONNRESET). The kernel hands the error to
// the first call that looks and clears it: a second call on the same
// connection may see io.EOF, so decide on the first error.
//
// cmd/keepalive classifies the errors of the connections it holds with
// it.
func IsPeerGone(err error) bool {
	if err == nil {
		return false
	}
	for _, gone := range kernel.PeerGone {
		if errors.Is(err, gone.Err) {
			return true
		}
	}
	return false
}
