package keepalive

import "golang.org/x/sys/unix"

// numbers: darwin's idle time is TCP_KEEPALIVE, its user timeout
// TCP_RXT_CONNDROPTIME.
var numbers = optionNumbers{idle: unix.TCP_KEEPALIVE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT, userTimeout: unix.TCP_RXT_CONNDROPTIME}
