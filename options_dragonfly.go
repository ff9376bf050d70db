package keepalive

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// DragonFly changed the unit of its keep-alive timers in 5.8: its table
// depends on kern.osreldate (__DragonFly_version; dragonflyFor).
func init() { release = osreldate }

func osreldate() string {
	v, err := unix.SysctlUint32("kern.osreldate")
	if err != nil {
		return ""
	}
	return strconv.FormatUint(uint64(v), 10)
}
