//go:build unix || windows

package keepalive

import "syscall"

// setAccepted is setConn for a connection a Listener accepted: it skips
// the steps of setFD in skip, whose values every connection of the
// listener arrives with already, and reports, when detect asks, whether
// the socket is Multipath TCP.
func setAccepted(sc syscall.Conn, c Config, generic, detect bool, skip uint8) (multipath bool, err error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, err
	}
	o := sockOps.Get().(*sockOp)
	o.c, o.generic, o.detect, o.skip = c, generic, detect, skip
	err = rc.Control(o.set)
	if err == nil {
		err = o.err
	}
	multipath = o.multipath
	*o = sockOp{set: o.set, get: o.get, userTimeout: o.userTimeout}
	sockOps.Put(o)
	return multipath, err
}

// heldOptions reads which steps of setFD for c a connection holds
// already (bit i for step i), with one getsockopt each.
func heldOptions(sc syscall.Conn, c Config) uint8 {
	t := platform()
	if !t.readBack || t.ioctl {
		return 0
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	var held uint8
	steps := setSteps(t, c.resolved(Config{}))
	rc.Control(func(fd uintptr) {
		for i, s := range steps {
			if !s.on || !s.opt.exists() {
				continue
			}
			if v, err := getsockoptInt(fd, s.opt); err == nil && int64(v) == s.v {
				held |= 1 << i
			}
		}
	})
	return held
}
