//go:build !illumos

package keepalive

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Oracle Solaris numbers its keep-alive options as illumos does not; the
// running version picks the table, as Go's net does
// (internal/syscall/unix.SupportTCPKeepAliveIdleIntvlCNT).
var platform = sync.OnceValue(func() *sockopts {
	t := solarisLegacyOptions
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		t = solarisFor(unix.ByteSliceToString(u.Version[:]))
	}
	// x/sys gives illumos's keep-alive numbers for Oracle Solaris too:
	// the 11.4 table has its own, and only the rest comes from x/sys.
	return t.native(optionNumbers{
		solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
		idle: unix.TCP_KEEPALIVE_THRESHOLD, userTimeout: unix.TCP_ABORT_THRESHOLD,
	})
})
