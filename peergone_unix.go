//go:build unix || js || wasip1

package keepalive

import "syscall"

var peerGoneErrors = []error{
	syscall.ETIMEDOUT, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
	syscall.ENOTCONN, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EACCES,
}
