//go:build unix || js || wasip1

package keepalive

import "syscall"

// resetErrors are the peer-gone errors that mean a reset, not a timeout
// (EPIPE: the connection was dropped earlier, mostly by a reset).
var resetErrors = []error{syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE}
