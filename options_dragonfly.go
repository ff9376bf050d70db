package keepalive

import (
	"sync"

	"golang.org/x/sys/unix"
)

// DragonFly changed the unit of its keep-alive timers in 5.8; the
// running release (kern.osreldate, __DragonFly_version) picks the table.
var platform = sync.OnceValue(func() *sockopts {
	t := dragonflyOptions
	if v, err := unix.SysctlUint32("kern.osreldate"); err == nil {
		t = dragonflyFor(v)
	}
	return t.native(optionNumbers{
		solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
		idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT,
	})
})
