package keepalive

import "golang.org/x/sys/windows"

// resetErrors are the peer-gone errors that mean a reset, not a timeout.
var resetErrors = []error{windows.WSAECONNRESET, windows.WSAECONNABORTED, windows.ERROR_NETNAME_DELETED}
