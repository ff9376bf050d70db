//go:build unix || js || wasip1

package kernel

import "syscall"

// PeerGone are the errors with which the kernel reports that a
// connection's peer is gone: keep-alive probes or the user timeout went
// unanswered, the peer or a middlebox reset the connection, a write found
// it already dropped, a Multipath TCP connection lost its last subflow,
// or a router reported the peer unreachable while the kernel retried
// (Linux reports the last ICMP error instead of ETIMEDOUT; EACCES is
// ICMPv6 "administratively prohibited", docs/measurements.md).
var PeerGone = []Errno{
	{syscall.ETIMEDOUT, "ETIMEDOUT", "timed out", "keep-alive probes or the user timeout went unanswered", false},
	{syscall.ECONNRESET, "ECONNRESET", "reset by the peer or a middlebox", "", true},
	{syscall.ECONNABORTED, "ECONNABORTED", "aborted", "", true},
	{syscall.EPIPE, "EPIPE", "broken pipe", "the connection was already dropped", true},
	{syscall.ENOTCONN, "ENOTCONN", "no subflow left", "a Multipath TCP connection lost its subflows and net.mptcp.close_timeout passed", false},
	{syscall.EHOSTUNREACH, "EHOSTUNREACH", "host unreachable", "a router reported it while the kernel retried", false},
	{syscall.ENETUNREACH, "ENETUNREACH", "network unreachable", "a router reported it while the kernel retried", false},
	{syscall.EACCES, "EACCES", "administratively prohibited", "a router or firewall reported it while the kernel retried", false},
}

// Dropped is what a write returns on a connection the kernel dropped
// once an earlier call took the error that dropped it.
var Dropped error = syscall.EPIPE
