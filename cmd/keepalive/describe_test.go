//go:build !plan9 && !windows

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDescribe: keepalive.IsPeerGone decides, errnoWords says how.
func TestDescribe(t *testing.T) {
	op := func(errno syscall.Errno) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", errno)}
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{op(syscall.ETIMEDOUT), "timed out (ETIMEDOUT"},
		{fmt.Errorf("held: %w", op(syscall.ENOTCONN)), "no subflow left (ENOTCONN"},
		{op(syscall.EHOSTUNREACH), "host unreachable"},
		{io.EOF, "closed by the peer (EOF)"},
		{op(syscall.EINVAL), "failed"},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, "failed"},
	} {
		assert.Contains(t, describe(tt.err), tt.want, "%v", tt.err)
	}
}
