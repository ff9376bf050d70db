//go:build aix || dragonfly || freebsd || netbsd

package keepalive

import "golang.org/x/sys/unix"

// numbers: golang.org/x/sys numbers TCP_KEEPIDLE, TCP_KEEPINTVL and
// TCP_KEEPCNT here, and has no user timeout (FreeBSD's TCP_MAXUNACKTIME
// is the table's own: x/sys has it for riscv64 only).
var numbers = optionNumbers{idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT}
