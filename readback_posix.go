//go:build unix || windows

package keepalive

import (
	"os"
	"syscall"
	"time"
)

// Reading a socket's options back (Get), on the systems with socket
// options; sockopt_posix.go sets them.

func getConn(sc syscall.Conn, generic bool) (State, error) {
	if !platform().readBack {
		return State{}, unsupported("reading keep-alive settings back")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return State{}, err
	}
	o := sockOps.Get().(*sockOp)
	o.generic = generic
	err = rc.Control(o.get)
	if err == nil {
		err = o.err
	}
	s := o.state
	*o = sockOp{set: o.set, get: o.get, userTimeout: o.userTimeout}
	sockOps.Put(o)
	return s, err
}

// getFD reads back every option the table has. Options the system lacks
// read System, and so do the timers and count where the kernel refuses
// to report them (NetBSD's tcp_usrreq.c v1.209, 2015, returns
// ENOPROTOOPT for TCP_KEEP* from PRCO_GETOPT; later revisions report
// them); a user timeout that the socket refuses reads 0, none.
func getFD(fd uintptr) (State, error) {
	t := platform()
	var firstErr error
	get := func(o sockopt) int64 {
		if !o.exists() {
			return System
		}
		v, err := getsockoptInt(fd, o)
		if err != nil && o != t.keepAlive && isRefusal(err) {
			return System
		}
		if err != nil && firstErr == nil {
			firstErr = os.NewSyscallError("getsockopt "+o.name, err)
		}
		return int64(v)
	}
	on := get(t.keepAlive)
	idle := get(t.idle)
	intvl := get(t.interval)
	count := get(t.count)
	if firstErr != nil {
		return State{}, firstErr
	}
	var ut int64
	if t.userTimeout.exists() {
		v, err := getsockoptInt(fd, t.userTimeout)
		if err != nil && (!isRefusal(err) || refuser(fd) == "") {
			return State{}, os.NewSyscallError("getsockopt "+t.userTimeout.name, err)
		}
		ut = int64(v)
	}
	asDuration := func(o sockopt, v int64) time.Duration {
		if v == System {
			return System
		}
		return o.duration(v)
	}
	return State{
		Enabled:   on != 0,
		Multipath: multipathInUse(fd),
		Config: Config{
			Idle:        asDuration(t.idle, idle),
			Interval:    asDuration(t.interval, intvl),
			Count:       int(count),
			UserTimeout: t.userTimeout.duration(ut),
		},
	}, nil
}
