//go:build unix || windows

package keepalive

import (
	"errors"
	"os"
	"sync"
	"syscall"
)

// Setting the options of platform()'s table on the systems with socket
// options (readback_posix.go reads them back, accept_posix.go sets them on
// accepted connections). Each system's files give the table and
// the primitives: setsockoptInt, getsockoptInt, setKeepaliveVals,
// isRefusal, refuser and isTCPProtocol.

// setConn applies a valid c to sc's socket; generic asks to check first
// that the socket is TCP.
func setConn(sc syscall.Conn, c Config, generic bool) error {
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	return setRaw(rc, c, generic)
}

// A sockOp carries one Set, Get or user-timeout call into
// RawConn.Control. Its closures are made once per pooled sockOp, so that
// Set and Get allocate nothing beyond SyscallConn itself.
type sockOp struct {
	c                     Config
	generic               bool
	detect, multipath     bool  // set: detect asks whether the socket is Multipath TCP
	skip                  uint8 // set: options the socket already holds (setFD)
	state                 State
	err                   error
	set, get, userTimeout func(fd uintptr)
}

var sockOps = sync.Pool{New: func() any {
	o := new(sockOp)
	o.set = func(fd uintptr) {
		defer lockFD(fd).Unlock()
		if o.err = o.check(fd); o.err == nil {
			o.err = setFD(fd, o.c, o.skip)
		}
		if o.err == nil && o.detect {
			o.multipath = multipathInUse(fd)
		}
	}
	o.get = func(fd uintptr) {
		defer lockFD(fd).Unlock()
		if o.err = o.check(fd); o.err == nil {
			o.state, o.err = getFD(fd)
		}
	}
	o.userTimeout = func(fd uintptr) {
		t := platform()
		var refused []error
		if o.err = setOption(fd, t.userTimeout, t.userTimeout.value(o.c.UserTimeout), &refused); o.err == nil && refused != nil {
			o.err = refusal(fd, refused)
		}
	}
	return o
}}

// fdLocks make a Set's options, and a Get's reads, one step on their
// socket: two Sets with different Configs on one connection would
// otherwise interleave their setsockopt calls and leave a mix of both.
// Striped by descriptor, so that locking costs no allocation and no
// syscall; sockets that share a stripe only wait for each other.
var fdLocks [64]sync.Mutex

func lockFD(fd uintptr) *sync.Mutex {
	mu := &fdLocks[fd%uintptr(len(fdLocks))]
	mu.Lock()
	return mu
}

func (o *sockOp) check(fd uintptr) error {
	if o.generic {
		return checkTCP(fd)
	}
	return nil
}

// control runs one of o's closures on rc and returns o to the pool.
func (o *sockOp) control(rc syscall.RawConn, fn func(uintptr)) error {
	err := rc.Control(fn)
	if err == nil {
		err = o.err
	}
	*o = sockOp{set: o.set, get: o.get, userTimeout: o.userTimeout}
	sockOps.Put(o)
	return err
}

func setRaw(rc syscall.RawConn, c Config, generic bool) error {
	o := sockOps.Get().(*sockOp)
	o.c, o.generic = c, generic
	return o.control(rc, o.set)
}

// setUserTimeout sets the user timeout alone, from a dial hook.
func setUserTimeout(rc syscall.RawConn, c Config) error {
	o := sockOps.Get().(*sockOp)
	o.c = c
	return o.control(rc, o.userTimeout)
}

// setFD sets each option c asks for exactly once. The user timeout goes
// first and SO_KEEPALIVE last, so that the keep-alive timer starts with
// the final values. Interval goes before Count, which illumos checks
// against it. It skips the steps of skip (bit i for step i of
// setSteps), which the socket holds already (see setAccepted).
func setFD(fd uintptr, c Config, skip uint8) error {
	t := platform()
	var refused []error
	r := c.resolved(Config{})
	steps := setSteps(t, r)
	for i, s := range steps {
		if !s.on || skip&(1<<i) != 0 {
			continue
		}
		if err := setOption(fd, s.opt, s.v, &refused); err != nil {
			return err
		}
	}
	// SIO_KEEPALIVE_VALS sets idle and interval together, after
	// SO_KEEPALIVE as Go's net does it; one left to the system is
	// written as Windows' default (keepaliveVals).
	if t.ioctl && (r.Idle != System || r.Interval != System) {
		if err := setKeepaliveVals(fd, keepaliveVals(t, r)); err != nil {
			return err
		}
	}
	if refused != nil {
		return refusal(fd, refused)
	}
	return nil
}

// A setStep is one option setFD sets, if on, to v.
type setStep struct {
	on  bool
	opt sockopt
	v   int64
}

// setSteps lists, in order, what setFD sets for a resolved Config.
func setSteps(t *sockopts, r Config) [5]setStep {
	return [...]setStep{
		{r.UserTimeout > 0, t.userTimeout, t.userTimeout.value(r.UserTimeout)},
		{r.Idle != System && !t.ioctl, t.idle, t.idle.value(r.Idle)},
		{r.Interval != System && !t.ioctl, t.interval, t.interval.value(r.Interval)},
		{r.Count != System, t.count, int64(r.Count)},
		{true, t.keepAlive, 1},
	}
}

// setOption sets one option. A refusal that refuser accepts as the
// socket lacking the option is added to refused, and not returned, so
// that the caller can set the rest.
func setOption(fd uintptr, o sockopt, v int64, refused *[]error) error {
	err := setsockoptInt(fd, o, int(v))
	if err == nil {
		return nil
	}
	serr := os.NewSyscallError("setsockopt "+o.name, err)
	if isRefusal(err) && refuser(fd) != "" {
		*refused = append(*refused, serr)
		return nil
	}
	return serr
}

// refusal reports the options a socket refused.
func refusal(fd uintptr, refused []error) error { return &refusedError{refuser(fd), refused} }

// control returns the hook that applies c to a socket before it connects
// or listens, or fails with c's Validate error.
func control(c Config) func(network, address string, rc syscall.RawConn) error {
	verr := c.Validate()
	return func(network, _ string, rc syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		if verr != nil {
			return verr
		}
		return setRaw(rc, c, false)
	}
}

// skipMultipathRefusal drops from a hook's error what a Multipath TCP
// socket refused (TCP_USER_TIMEOUT), so that Go keeps the Multipath TCP
// socket instead of falling back to plain TCP. On Linux only a Multipath
// TCP socket refuses an option (refuser); elsewhere, where no socket is
// Multipath TCP, a refusal stays an error.
func skipMultipathRefusal(err error) error {
	if _, ok := errors.AsType[*refusedError](err); ok && multipathExists {
		return nil
	}
	return err
}

// checkTCP rejects sockets that are not TCP streams, before anything is
// set on them: the socket's type is SOCK_STREAM, and its protocol is
// TCP as each system's isTCPProtocol tells.
func checkTCP(fd uintptr) error {
	typ, err := getsockoptInt(fd, soTypeOpt)
	if err != nil {
		if isNotSocket(err) {
			return notSocket(err)
		}
		return os.NewSyscallError("getsockopt SO_TYPE", err)
	}
	tcp, err := isTCPProtocol(fd)
	if err != nil {
		return err
	}
	if typ != sockStream || !tcp {
		return errNotTCP
	}
	return nil
}
