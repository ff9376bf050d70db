package keepalive

import "golang.org/x/sys/unix"

var illumosNative = illumosOptions.native(optionNumbers{
	solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
	idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT, userTimeout: unix.TCP_ABORT_THRESHOLD,
})

func platform() *sockopts { return illumosNative }
