package keepalive

import "golang.org/x/sys/unix"

var aixNative = aixOptions.native(optionNumbers{
	solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
	count: unix.TCP_KEEPCNT,
})

func platform() *sockopts { return aixNative }
