//go:build !illumos

package keepalive

import "golang.org/x/sys/unix"

// release is uname's version ("11.4.0.15.0"): Oracle Solaris numbers its
// keep-alive options as illumos does not from 11.4, and the version
// picks the table (solarisFor), as Go's net does
// (internal/syscall/unix.SupportTCPKeepAliveIdleIntvlCNT).
func release() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Version[:])
}

// numbers: x/sys gives illumos's keep-alive numbers for Oracle Solaris
// too, so the 11.4 table has its own; before 11.4 the idle time is
// TCP_KEEPALIVE_THRESHOLD. The user timeout is TCP_ABORT_THRESHOLD.
var numbers = optionNumbers{idle: unix.TCP_KEEPALIVE_THRESHOLD, userTimeout: unix.TCP_ABORT_THRESHOLD}
