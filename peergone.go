package keepalive

import "errors"

// IsPeerGone reports whether err, through any wrapping, is one of the
// errors with which the kernel reports that a connection's peer is gone:
// keep-alive probes or the user timeout went unanswered (ETIMEDOUT), the
// peer or a middlebox reset the connection (ECONNRESET, ECONNABORTED), a
// write found the connection already dropped (EPIPE), a Multipath TCP
// connection lost its last subflow (ENOTCONN), or a router reported the
// peer's host unreachable while the kernel retried (EHOSTUNREACH,
// ENETUNREACH: Linux reports the last ICMP error instead of ETIMEDOUT).
//
// It is false for nil, for deadlines (os.ErrDeadlineExceeded), for
// net.ErrClosed (the connection was closed on this side), for context
// errors, and for io.EOF: an orderly close by the peer is the
// application protocol's business, and a peer whose host died sends no
// FIN. The kernel hands the error to the first call that looks and
// clears it: a second call on the same connection may see io.EOF.
func IsPeerGone(err error) bool {
	if err == nil {
		return false
	}
	for _, gone := range peerGoneErrors {
		if errors.Is(err, gone) {
			return true
		}
	}
	return false
}
