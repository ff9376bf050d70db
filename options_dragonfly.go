package keepalive

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// release is kern.osreldate (__DragonFly_version): DragonFly changed the
// unit of its keep-alive timers in 5.8 (dragonflyFor).
func release() string {
	v, err := unix.SysctlUint32("kern.osreldate")
	if err != nil {
		return ""
	}
	return strconv.FormatUint(uint64(v), 10)
}
