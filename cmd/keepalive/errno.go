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
