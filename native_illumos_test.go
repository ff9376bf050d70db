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
	// tcp_init_values copies tcp_second_timer_threshold (TCP_ABORT_THRESHOLD).
	inheritsUserTimeout = true
)
