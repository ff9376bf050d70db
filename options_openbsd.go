package keepalive

import "golang.org/x/sys/unix"

var openbsdNative = openbsdOptions.native(optionNumbers{
	solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
})

func platform() *sockopts { return openbsdNative }
