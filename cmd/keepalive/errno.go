//go:build !plan9

package main

import (
	"os"
	"syscall"
)

var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// errnoWords says what the errors a dying connection returns mean.
var errnoWords = []struct {
	err   error
	words string
}{
	{syscall.ETIMEDOUT, "timed out (ETIMEDOUT: keep-alive probes or the user timeout went unanswered)"},
	{syscall.ECONNRESET, "reset by the peer or a middlebox (ECONNRESET)"},
	{syscall.EPIPE, "broken pipe (EPIPE)"},
}
