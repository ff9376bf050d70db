package keepalive_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// FreeBSD sys/netinet/tcp.h: #define TCP_MAXUNACKTIME 68 (seconds,
// FreeBSD 14+); golang.org/x/sys has it for riscv64 only.
const (
	optIdle             = unix.TCP_KEEPIDLE
	optUserTimeout      = 68
	idleUnit            = time.Second
	userTimeoutUnit     = time.Second
	hasUserTimeout      = true
	inheritsUserTimeout = false
)
