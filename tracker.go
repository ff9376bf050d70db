package keepalive

import (
	"net/netip"
	"sync"
	"sync/atomic"
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

// A Tracker keeps a list of TCP connections for telemetry to read at
// collection time: Collect reads each from the kernel, PeerCounts and
// GoneAfter give what Check, Inspect and the modules reported.
//
// Connections are added by WithTracker (dialed), Listener and Listen
// (accepted), Set and Track. A Tracker holds a connection only weakly:
// one its user closes, or drops unclosed for Go to close, is released
// at the next collection or as later connections are added, with
// nothing to call. It adds no goroutine, no system call and one
// allocation per connection added (a dial without a UserTimeout also
// pays what Go allocates to call a dial hook). Peer hosts are named up
// to a cap (TrackerOptions.MaxPeers), so that labels stay bounded.
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
