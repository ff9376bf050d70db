package keepalive_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// NetBSD sys/netinet/tcp_timer.h counts the timers in slow ticks of
// 500ms (PR_SLOWHZ = 2).
const (
	optIdle             = unix.TCP_KEEPIDLE
	optUserTimeout      = 0
	idleUnit            = 500 * time.Millisecond
	userTimeoutUnit     = 0
	hasUserTimeout      = false
	inheritsUserTimeout = false
)
