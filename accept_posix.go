//go:build unix || windows

package keepalive

import (
	"net"
	"syscall"
)

// Setting a Config on the connections a Listener accepts, skipping what
// every connection of the listener already holds.

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
// already (bit i for step i), with one getsockopt each, among those Go
// wrote, as goKA describes (goAcceptKeepAlive). A value Go did not write
// may be the namespace's sysctl read back (Linux: keepalive_probes() and
// the like in include/net/tcp.h fall back to it): skipping it would tie
// every connection to a sysctl that can change. Go stops at the first
// option the socket refuses, as a Multipath TCP socket of a kernel
// without its keep-alive options does; such a socket refuses the read
// too (net/mptcp/sockopt.c, mptcp_getsockopt_sol_tcp: EOPNOTSUPP for
// TCP_KEEP* before they were added; the sysctl, as TCP, since), so
// nothing is learned from it, and what is learned from a plain or
// fallen-back first connection skips on it only what it would refuse
// anyway: the report of such a connection comes from Get (weaker).
func heldOptions(sc syscall.Conn, c Config, goKA net.KeepAliveConfig) uint8 {
	t := platform()
	if !t.readBack || t.ioctl || !goKA.Enable {
		return 0
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	var held uint8
	steps := setSteps(t, c.resolved(Config{}))
	goWrote := func(o sockopt) bool {
		switch o {
		case t.keepAlive:
			return true
		case t.idle:
			return goKA.Idle >= 0
		case t.interval:
			return goKA.Interval >= 0
		case t.count:
			return goKA.Count >= 0
		}
		return false
	}
	rc.Control(func(fd uintptr) {
		for i, s := range steps {
			if !s.on || !s.opt.exists() || !goWrote(s.opt) {
				continue
			}
			if v, err := getsockoptInt(fd, s.opt); err == nil && int64(v) == s.v {
				held |= 1 << i
			}
		}
	})
	return held
}
