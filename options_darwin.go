package keepalive

import "golang.org/x/sys/unix"

var darwinNative = darwinOptions.native(optionNumbers{
	solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
	idle: unix.TCP_KEEPALIVE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT, userTimeout: unix.TCP_RXT_CONNDROPTIME,
})

func platform() *sockopts { return darwinNative }
