package keepalive_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// xnu bsd/netinet/tcp.h: the idle time is TCP_KEEPALIVE; seconds.
const (
	optIdle             = unix.TCP_KEEPALIVE
	optUserTimeout      = unix.TCP_RXT_CONNDROPTIME
	idleUnit            = time.Second
	userTimeoutUnit     = time.Second
	hasUserTimeout      = true
	inheritsUserTimeout = false
)
