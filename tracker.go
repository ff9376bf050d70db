package keepalive

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
	"weak"
)

// TrackerOptions configures NewTracker.
type TrackerOptions struct {
	// MaxPeers caps how many distinct peer hosts a Tracker names;
	// connections and events of further hosts are counted under
	// OtherPeers. 0 means DefaultMaxPeers; a negative value names none.
	MaxPeers int
}

// DefaultMaxPeers is the peer-host cap of TrackerOptions{}.
const DefaultMaxPeers = 1000

// OtherPeers is the peer name under which a Tracker counts the hosts
// beyond its cap, and connections whose peer address is unknown.
const OtherPeers = "other"

// The errors of a nil or closed Tracker.
var (
	ErrNilTracker    = errors.New("keepalive: nil Tracker")
	ErrTrackerClosed = errors.New("keepalive: Tracker closed")
)

// A Tracker keeps a list of TCP connections for telemetry to read at
// collection time: Collect reads each from the kernel, PeerCounts and
// GoneAfter give what Check, Inspect and the modules reported.
//
// Connections are added by WithTracker (dialed), Listener and Listen
// (accepted), Set and Track. A Tracker holds a connection only weakly:
// one its user closes, or drops unclosed for Go to close, is released
// at the next collection or as later connections are added, with
// nothing to call. It adds no goroutine, and one allocation and no
// system call per connection added. Peer hosts are named up to a cap
// (TrackerOptions.MaxPeers), so that labels stay bounded.
//
// A Tracker is safe for concurrent use. A nil *Tracker tracks nothing:
// its methods return ErrNilTracker, or do nothing where they return no
// error. docs/tracking.md describes what is read and what it costs.
type Tracker struct {
	mu      sync.Mutex
	closed  bool
	entries []entry           // the tracked connections; Collect compacts it
	index   map[uintptr]int32 // a socket's address → its entry
	cursor  int               // next entry the incremental sweep looks at
	peers   peerTable

	collecting sync.Mutex // held by Collect, and by a sweep (TryLock)
	col        *collector // Collect's scratch, under collecting

	events eventCounts
}

// An entry is one tracked connection.
type entry struct {
	fd      weak.Pointer[netFD] // Go's socket; nil once collected
	addr    uintptr             // fd's address, the key of Tracker.index
	peer    int32               // the peer's bucket in Tracker.peers
	gone    bool                // a peer-gone close was counted
	settled bool                // local, ka and bound are read
	remote  netip.AddrPort
	local   netip.AddrPort
	ka      State
	bound   time.Duration
}

// netFD stands for package net's socket, which a Tracker knows only by
// address and holds only weakly.
type netFD struct{ _ uintptr }

// trackers lists the open Trackers, for the reports that find a
// connection's Tracker from the connection.
var trackers atomic.Pointer[[]*Tracker]

// NewTracker returns an open Tracker. Until it is closed, ReportError,
// ReportPoolCheck, Check and Inspect look for connections in it.
func NewTracker(o TrackerOptions) *Tracker {
	t := &Tracker{index: make(map[uintptr]int32)}
	t.peers.init(o.MaxPeers)
	for {
		old := trackers.Load()
		var l []*Tracker
		if old != nil {
			l = append(l, *old...)
		}
		l = append(l, t)
		if trackers.CompareAndSwap(old, &l) {
			return t
		}
	}
}

// Close stops t: its connections are dropped from it (not closed), Track
// and Set fail with ErrTrackerClosed, dial hooks and Listener wrappers
// stop adding connections, Collect fails. PeerCounts and GoneAfter keep
// returning the counts. Close is idempotent and returns nil; a nil t
// returns ErrNilTracker.
func (t *Tracker) Close() error {
	if t == nil {
		return ErrNilTracker
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.entries, t.index = nil, nil
	t.mu.Unlock()
	for {
		old := trackers.Load()
		var l []*Tracker
		for _, u := range *old {
			if u != t {
				l = append(l, u)
			}
		}
		if trackers.CompareAndSwap(old, &l) {
			return nil
		}
	}
}

// Len returns how many connections t holds, including closed ones not
// yet released; 0 for a nil or closed t.
func (t *Tracker) Len() int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// WithTracker is a DialOption that tracks in t every TCP connection the
// Dialer dials, from a Control hook that runs after the Dialer's own
// (whose error fails the dial, untracked) and costs no system call. It
// composes with WithKeepalive in either order. A nil t gives an option
// that changes nothing; after t is closed the hook tracks nothing.
func WithTracker(t *Tracker) DialOption {
	return func(d *net.Dialer) {
		if d == nil || t == nil {
			return
		}
		if d.ControlContext == nil && d.Control != nil {
			prev := d.Control
			d.Control = func(network, address string, rc syscall.RawConn) error {
				if err := prev(network, address, rc); err != nil {
					return err
				}
				t.trackDial(network, address, rc)
				return nil
			}
			return
		}
		prev := d.ControlContext
		d.ControlContext = func(ctx context.Context, network, address string, rc syscall.RawConn) error {
			if prev != nil {
				if err := prev(ctx, network, address, rc); err != nil {
					return err
				}
			}
			t.trackDial(network, address, rc)
			return nil
		}
	}
}

// trackDial adds the socket of a dial about to connect.
func (t *Tracker) trackDial(network, address string, rc syscall.RawConn) {
	if !isTCPNetwork(network) {
		return
	}
	fd := rawConnFD(rc)
	if fd == nil {
		return
	}
	remote, _ := netip.ParseAddrPort(address)
	t.add(fd, remote, netip.AddrPort{})
}

// Track adds an established TCP connection to t; it sees through
// *tls.Conn and NetConn wrappers as Set does. Tracking a connection
// again makes the next collection read its settings anew. Errors are
// *net.OpError values: a nil, closed or non-TCP conn as for Get,
// ErrNilTracker, ErrTrackerClosed, and errors.ErrUnsupported where this
// Go release's net package cannot be tracked (plan9, js/wasm, wasip1).
func (t *Tracker) Track(conn net.Conn) error {
	if err := t.usable(); err != nil {
		return opError("track", conn, err)
	}
	fd, err := connFD(conn)
	if err == nil {
		err = withSocket(fd, nothing) // fails once conn is closed
	}
	if err != nil {
		return opError("track", conn, err)
	}
	if !t.add(fd, addrPort(conn.RemoteAddr()), addrPort(conn.LocalAddr())) {
		return opError("track", conn, ErrTrackerClosed)
	}
	return nil
}

// Set applies c to conn as Set does, then tracks conn in t as Track
// does. A nil or closed t fails before anything is set.
func (t *Tracker) Set(conn net.Conn, c Config) error {
	if err := t.usable(); err != nil {
		return opError("set", conn, err)
	}
	if err := Set(conn, c); err != nil {
		return err
	}
	return t.Track(conn)
}

// usable returns the error of a nil or closed t, or nil.
func (t *Tracker) usable() error {
	if t == nil {
		return ErrNilTracker
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrTrackerClosed
	}
	return nil
}

// addrPort is a net.Addr as an AddrPort, zero for anything but TCP.
func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok && ta != nil {
		return ta.AddrPort()
	}
	return netip.AddrPort{}
}

// add tracks the socket at fd; false if t is closed. A socket tracked
// already is marked to be read anew.
func (t *Tracker) add(fd unsafe.Pointer, remote, local netip.AddrPort) bool {
	key := uintptr(fd)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	if i, ok := t.index[key]; ok && int(i) < len(t.entries) && unsafe.Pointer(t.entries[i].fd.Value()) == fd {
		t.entries[i].settled = false
		return true
	}
	t.sweep()
	t.index[key] = int32(len(t.entries))
	t.entries = append(t.entries, entry{
		fd:     weak.Make((*netFD)(fd)),
		addr:   key,
		peer:   t.peers.bucket(remote.Addr()),
		remote: remote,
		local:  local,
	})
	return true
}

// sweep releases up to two collected entries at the cursor, so that
// connections closed while nothing collects do not pile up: each added
// connection looks at two, and a full turn releases every connection
// Go had collected when the turn began. Called with t.mu held; skipped
// while Collect, which moves entries, runs.
func (t *Tracker) sweep() {
	if !t.collecting.TryLock() {
		return
	}
	defer t.collecting.Unlock()
	for range 2 {
		if t.cursor >= len(t.entries) {
			t.cursor = 0
			if len(t.entries) == 0 {
				return
			}
		}
		if t.entries[t.cursor].fd.Value() != nil {
			t.cursor++
			continue
		}
		t.remove(t.cursor)
	}
}

// remove drops entry i, moving the last one in its place. Called with
// t.mu and t.collecting held.
func (t *Tracker) remove(i int) {
	last := len(t.entries) - 1
	if j, ok := t.index[t.entries[i].addr]; ok && int(j) == i {
		delete(t.index, t.entries[i].addr)
	}
	if i != last {
		t.entries[i] = t.entries[last]
		if j, ok := t.index[t.entries[i].addr]; ok && int(j) == last {
			t.index[t.entries[i].addr] = int32(i)
		}
	}
	t.entries[last] = entry{}
	t.entries = t.entries[:last]
}

// Listener returns ln wrapped so that every TCP connection it accepts is
// tracked in t, as Track does, and returned unchanged (a *net.TCPConn
// stays one). Listen and ConfigureListenConfig give Go's own listeners,
// with no per-accept hook: wrap those (or a WrapListener) with it.
// Accept's errors are ln's; a connection Track refuses (not TCP, t nil
// or closed) is returned untracked. Unwrap returns ln.
func (t *Tracker) Listener(ln net.Listener) net.Listener {
	return &trackedListener{Listener: ln, t: t}
}

// Listen is Listen with every accepted TCP connection tracked in t, as
// Listener tracks them; an error of Listen is returned as it is. A nil
// or closed t fails before anything is created.
func (t *Tracker) Listen(ctx context.Context, network, address string, c Config) (net.Listener, error) {
	if err := t.usable(); err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	ln, err := Listen(ctx, network, address, c)
	if err != nil {
		return nil, err
	}
	return t.Listener(ln), nil
}

type trackedListener struct {
	net.Listener
	t *Tracker
}

// Accept waits for the next connection and tracks it.
func (l *trackedListener) Accept() (net.Conn, error) {
	if isNilListener(l.Listener) {
		return nil, &net.OpError{Op: "accept", Err: errNilListener}
	}
	conn, err := l.Listener.Accept()
	if err == nil && conn != nil && l.t != nil {
		_ = l.t.Track(conn)
	}
	return conn, err
}

// Unwrap returns the wrapped listener.
func (l *trackedListener) Unwrap() net.Listener { return l.Listener }
