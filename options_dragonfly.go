package keepalive

import (
	"sync"

	"golang.org/x/sys/unix"
)

// DragonFly changed the unit of its keep-alive timers in 5.8; the
// running release (kern.osreldate, __DragonFly_version) picks the table.
var platform = sync.OnceValue(func() *sockopts {
	v, err := unix.SysctlUint32("kern.osreldate")
	if err != nil {
		return dragonflyOptions
	}
	return dragonflyFor(v)
})
