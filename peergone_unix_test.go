//go:build unix

package keepalive_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tcpkeepalive/keepalive"
)

// TestIsPeerGoneWrapping: the errors are recognised through the wrapping
// the net package and callers add. Which real socket produces each one
// is shown by the integration tests.
func TestIsPeerGoneWrapping(t *testing.T) {
	wrap := func(errno syscall.Errno) map[string]error {
		op := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", errno)}
		return map[string]error{
			"bare":         errno,
			"SyscallError": os.NewSyscallError("read", errno),
			"OpError":      op,
			"fmt %w":       fmt.Errorf("fetching: %w", op),
			"errors.Join":  errors.Join(errors.New("other"), op),
		}
	}
	for _, errno := range []syscall.Errno{syscall.ETIMEDOUT, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE, syscall.ENOTCONN, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		for how, err := range wrap(errno) {
			assert.True(t, keepalive.IsPeerGone(err), "%v, %s", errno, how)
		}
	}
	for name, err := range map[string]error{
		"nil":                      nil,
		"io.EOF":                   io.EOF,
		"io.ErrUnexpectedEOF":      io.ErrUnexpectedEOF,
		"wrapped io.EOF":           fmt.Errorf("body: %w", io.EOF),
		"deadline":                 &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded},
		"net.ErrClosed":            &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed},
		"context.Canceled":         context.Canceled,
		"context.DeadlineExceeded": context.DeadlineExceeded,
		"ECONNREFUSED":             &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
		"EAGAIN":                   syscall.EAGAIN,
		"ConfigError":              &keepalive.ConfigError{Field: "Idle"},
	} {
		assert.False(t, keepalive.IsPeerGone(err), name)
	}
}
