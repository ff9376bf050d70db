package keepalive

import "golang.org/x/sys/windows"

// Go's net returns Winsock's own error numbers on Windows, not the
// syscall package's invented ETIMEDOUT and kin.
var peerGoneErrors = []error{
	windows.WSAETIMEDOUT, windows.WSAECONNRESET, windows.WSAECONNABORTED,
	windows.WSAENETRESET, windows.WSAENOTCONN, windows.WSAEHOSTUNREACH,
	windows.WSAENETUNREACH, windows.ERROR_NETNAME_DELETED,
}
