package keepalive

import (
	"errors"
	"net"
	"reflect"
	"sync"
	"syscall"
	"unsafe"
)

// A Tracker holds Go's socket (package net's netFD) by address and
// weakly, never through a syscall.RawConn or a net.Conn, which would
// keep it from Go's finalizer. To read a socket it makes a RawConn of
// package net's own type over it (reflect.NewAt, on memory of the same
// layout), whose Control holds the socket open for the call, or fails
// once it is closed. Package net's rawConn and TCPConn are each one
// pointer to the netFD; learnNet checks that once, with reflect, and
// tracking is unsupported where it does not hold (plan9, js/wasm,
// wasip1, or a Go release that changed it; TestTrackerReadsTheKernel).

// netLayout is what learnNet found.
var netLayout struct {
	once    sync.Once
	rawConn reflect.Type // *net.rawConn
	err     error
}

// rawShell has package net's rawConn layout: the netFD pointer alone.
type rawShell struct{ fd unsafe.Pointer }

// learnNet checks package net's layout, from a RawConn of its own.
func learnNet(rc syscall.RawConn) error {
	netLayout.once.Do(func() {
		netLayout.err = checkNetLayout(reflect.TypeOf(rc))
		if netLayout.err == nil {
			netLayout.rawConn = reflect.TypeOf(rc)
		}
	})
	return netLayout.err
}

func checkNetLayout(rt reflect.Type) error {
	if rt == nil || rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct ||
		rt.Elem().PkgPath() != "net" || rt.Elem().Name() != "rawConn" {
		return errNetLayout
	}
	r := rt.Elem()
	if r.NumField() != 1 || r.Field(0).Name != "fd" || r.Field(0).Type.Kind() != reflect.Pointer ||
		r.Size() != unsafe.Sizeof(rawShell{}) {
		return errNetLayout
	}
	fdType := r.Field(0).Type
	c := reflect.TypeFor[net.TCPConn]()
	if c.NumField() != 1 || c.Field(0).Offset != 0 || c.Field(0).Type.Kind() != reflect.Struct {
		return errNetLayout
	}
	inner := c.Field(0).Type
	if inner.NumField() != 1 || inner.Field(0).Name != "fd" || inner.Field(0).Type != fdType {
		return errNetLayout
	}
	return nil
}

// isNetRawConn reports a RawConn of package net's type, learning the
// layout from the first one.
func isNetRawConn(rc syscall.RawConn) bool {
	if rc == nil {
		return false
	}
	if t := reflect.TypeOf(rc); t.Kind() != reflect.Pointer || t.Elem().PkgPath() != "net" || t.Elem().Name() != "rawConn" {
		return false
	}
	return learnNet(rc) == nil && reflect.TypeOf(rc) == netLayout.rawConn
}

// rawConnFD returns the socket behind a RawConn of package net, or nil.
func rawConnFD(rc syscall.RawConn) unsafe.Pointer {
	if !isNetRawConn(rc) {
		return nil
	}
	return reflect.ValueOf(rc).Elem().Field(0).UnsafePointer()
}

// connFD returns the socket behind conn, seen through wrappers as Set
// sees it; a syscall.Conn wrapper whose RawConn is its own (one that
// changes Read, say) is seen through its NetConn method, if it has one.
func connFD(conn net.Conn) (unsafe.Pointer, error) {
	var err error
	for range 8 { // bounded, in case a NetConn chain loops
		var fd unsafe.Pointer
		var next net.Conn
		if fd, next, err = connFDOnce(conn); next == nil {
			return fd, err
		}
		conn = next
	}
	return nil, err
}

// connFDOnce is connFD without looking through a syscall.Conn wrapper:
// that wrapper's NetConn is next, for connFD to look at.
func connFDOnce(conn net.Conn) (fd unsafe.Pointer, next net.Conn, err error) {
	fd, err = connFDOf(conn)
	if err != nil && errors.Is(err, errNotTCP) {
		if sc, _, serr := syscallConn(conn); serr == nil {
			if n, ok := sc.(interface{ NetConn() net.Conn }); ok && !isNil(n.NetConn()) {
				return nil, n.NetConn(), err
			}
		}
	}
	return fd, nil, err
}

func connFDOf(conn net.Conn) (unsafe.Pointer, error) {
	if tc, ok := conn.(*net.TCPConn); ok && tc != nil && netLayout.rawConn != nil {
		return tcpConnFD(tc)
	}
	sc, _, err := syscallConn(conn)
	if err != nil {
		return nil, err
	}
	if tc, ok := sc.(*net.TCPConn); ok && netLayout.rawConn != nil {
		return tcpConnFD(tc)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	if !isNetRawConn(rc) {
		if netLayout.err != nil {
			return nil, netLayout.err
		}
		return nil, notTCPError("the socket of a " + reflect.TypeOf(conn).String() + " is not package net's")
	}
	if _, ok := sc.(*net.TCPConn); !ok {
		if err := rc.Control(func(fd uintptr) { err = trackable(fd) }); err != nil {
			return nil, err
		}
		if err != nil {
			return nil, err
		}
	}
	return rawConnFD(rc), nil
}

// tcpConnFD returns the socket of tc, whose layout learnNet checked.
func tcpConnFD(tc *net.TCPConn) (unsafe.Pointer, error) {
	fd := *(*unsafe.Pointer)(unsafe.Pointer(tc))
	if fd == nil {
		return nil, net.ErrClosed
	}
	return fd, nil
}

// A socketReader reads tracked sockets through a RawConn of package
// net's type over a shell it points anew for each socket. Not for
// concurrent use.
type socketReader struct {
	shell *rawShell
	rc    syscall.RawConn
}

func newSocketReader() *socketReader {
	r := &socketReader{shell: new(rawShell)}
	if netLayout.rawConn != nil {
		r.rc = reflect.NewAt(netLayout.rawConn.Elem(), unsafe.Pointer(r.shell)).Interface().(syscall.RawConn)
	}
	return r
}

// control runs f on the socket fd, held open for the call; an error
// once it is closed. fd must be kept alive by the caller.
func (r *socketReader) control(fd unsafe.Pointer, f func(uintptr)) error {
	if r.rc == nil {
		return errNetLayout
	}
	r.shell.fd = fd
	err := r.rc.Control(f)
	r.shell.fd = nil
	return err
}

// readers keeps socketReaders for Track and the reports.
var readers = sync.Pool{New: func() any { return newSocketReader() }}

// withSocket runs f on the open socket fd, with a pooled reader.
func withSocket(fd unsafe.Pointer, f func(uintptr)) error {
	r := readers.Get().(*socketReader)
	if r.rc == nil {
		r = newSocketReader()
	}
	err := r.control(fd, f)
	readers.Put(r)
	return err
}

func nothing(uintptr) {}
