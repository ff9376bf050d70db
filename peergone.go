package keepalive

import (
	"errors"

	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// IsPeerGone reports whether err, through any wrapping, is one of the
// errors with which the kernel reports that a connection's peer is gone:
// keep-alive probes or the user timeout went unanswered (ETIMEDOUT), the
// peer or a middlebox reset the connection or it was aborted (ECONNRESET,
// ECONNABORTED), a write found it already dropped (EPIPE), a Multipath
// TCP connection lost
// its last subflow (ENOTCONN), or a router reported the peer unreachable
// while the kernel retried (EHOSTUNREACH, ENETUNREACH, EACCES).
//
// It is false for nil, deadlines, net.ErrClosed, context errors and
// io.EOF: an orderly close is the application protocol's business. The
// kernel hands the error to the first call that looks, so decide on the
// first error. docs/behaviour.md#which-errors-mean-the-peer-is-gone lists
// each system's errors.
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
