package keepalive

import "golang.org/x/sys/unix"

// TCP_MAXUNACKTIME is the table's own: x/sys has it for riscv64 only.
var freebsdNative = freebsdOptions.native(optionNumbers{
	solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
	idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT,
})

func platform() *sockopts { return freebsdNative }
