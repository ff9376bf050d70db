package keepalive

import "golang.org/x/sys/unix"

var netbsdNative = netbsdOptions.native(optionNumbers{
	solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
	idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT,
})

func platform() *sockopts { return netbsdNative }
