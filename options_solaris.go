package keepalive

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Oracle Solaris numbers its keep-alive options as illumos does not from
// 11.4, and uname's version ("11.4.0.15.0") picks its table (solarisFor),
// as Go's net does (internal/syscall/unix.SupportTCPKeepAliveIdleIntvlCNT).
// illumos, which builds this file too, has one table.
func init() {
	if runtime.GOOS == "solaris" {
		release = unameVersion
	}
}

func unameVersion() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Version[:])
}
