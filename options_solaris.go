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
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return solarisLegacyOptions
	}
	return solarisFor(unix.ByteSliceToString(u.Version[:]))
})
