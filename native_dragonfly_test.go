package keepalive_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// Seconds since DragonFly 5.8, which is what Go supports.
const (
	optIdle             = unix.TCP_KEEPIDLE
	optUserTimeout      = 0
	idleUnit            = time.Second
	userTimeoutUnit     = 0
	hasUserTimeout      = false
	inheritsUserTimeout = false
)
