package keepalive

import "golang.org/x/sys/unix"

// numbers: illumos's user timeout is TCP_ABORT_THRESHOLD.
var numbers = optionNumbers{idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT, userTimeout: unix.TCP_ABORT_THRESHOLD}
