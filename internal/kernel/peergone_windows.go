package kernel

import "golang.org/x/sys/windows"

// PeerGone are the errors with which Windows reports that a connection's
// peer is gone. Go's net returns Winsock's own error numbers there, not
// the syscall package's invented ETIMEDOUT and kin.
var PeerGone = []Errno{
	{windows.WSAETIMEDOUT, "WSAETIMEDOUT", "timed out", "keep-alive probes or the user timeout went unanswered", false},
	{windows.WSAECONNRESET, "WSAECONNRESET", "reset by the peer or a middlebox", "", true},
	{windows.WSAECONNABORTED, "WSAECONNABORTED", "aborted", "", true},
	{windows.WSAENETRESET, "WSAENETRESET", "dropped", "keep-alive found the connection broken", false},
	{windows.WSAENOTCONN, "WSAENOTCONN", "not connected", "", false},
	{windows.WSAEHOSTUNREACH, "WSAEHOSTUNREACH", "host unreachable", "a router reported it while the system retried", false},
	{windows.WSAENETUNREACH, "WSAENETUNREACH", "network unreachable", "a router reported it while the system retried", false},
	{windows.ERROR_NETNAME_DELETED, "ERROR_NETNAME_DELETED", "dropped", "the connection was reset or aborted", true},
}

// Dropped is what a send returns on a connection Windows dropped once an
// earlier call took the error that dropped it.
var Dropped error = windows.WSAECONNABORTED
