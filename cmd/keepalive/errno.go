//go:build !plan9

package main

import (
	"os"
	"syscall"
)

var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// peerResets are the errors of a connection the peer (or a middlebox in
// its name) reset, besides the FIN's io.EOF.
var peerResets = []error{syscall.ECONNRESET, syscall.EPIPE}

// errnoWords says what the errors a dying connection returns mean.
var errnoWords = []struct {
	err   error
	words string
}{
	{syscall.ETIMEDOUT, "timed out (ETIMEDOUT: keep-alive probes or the user timeout went unanswered)"},
	{syscall.ECONNRESET, "reset by the peer or a middlebox (ECONNRESET)"},
	{syscall.ECONNABORTED, "aborted (ECONNABORTED)"},
	{syscall.EPIPE, "broken pipe (EPIPE: the connection was already dropped)"},
	{syscall.ENOTCONN, "no subflow left (ENOTCONN: a Multipath TCP connection lost its subflows and net.mptcp.close_timeout passed)"},
	{syscall.EHOSTUNREACH, "host unreachable (EHOSTUNREACH: a router reported it while the kernel retried)"},
	{syscall.ENETUNREACH, "network unreachable (ENETUNREACH: a router reported it while the kernel retried)"},
	{syscall.EACCES, "administratively prohibited (EACCES: a router or firewall reported it while the kernel retried)"},
}
