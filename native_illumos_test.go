package keepalive_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// illumos tcp_opt_data.c: TCP_ABORT_THRESHOLD in milliseconds.
const (
	optIdle         = unix.TCP_KEEPIDLE
	optUserTimeout  = unix.TCP_ABORT_THRESHOLD
	idleUnit        = time.Second
	userTimeoutUnit = time.Millisecond
	hasUserTimeout  = true
)
