package netns

import (
	"errors"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A Link is the delay line of a Network made by NewDelayed: the router
// hands every IPv4 packet between client and peer to this process through
// two TUN devices, and this process writes it back after the one-way
// delay, or drops it.
type Link struct {
	oneWay  atomic.Int64 // time.Duration
	loss    atomic.Int64 // percent
	dropped atomic.Int64
	sent    atomic.Int64
}

// NewDelayed builds a Network, as New does, whose router delays each
// packet by oneWay in each direction (a round trip of 2·oneWay). Cut,
// Middlebox and Sysctl work as on any Network; IPv6 does not cross the
// delay line. The link is taken down before the namespaces are removed.
func NewDelayed(t testing.TB, oneWay time.Duration) (*Network, *Link) {
	t.Helper()
	n := New(t)
	l := &Link{}
	l.SetDelay(oneWay)
	toPeer := l.tun(n, "d0")   // what the client sends
	toClient := l.tun(n, "d1") // what the peer sends
	for _, dev := range []string{"all", "default", "d0", "d1", "r0", "r1"} {
		n.Sysctl(n.Router, "net.ipv4.conf."+dev+".rp_filter", "0")
	}
	// Packets arriving from either host are routed into the TUN device
	// of their direction; packets this process writes back arrive on the
	// other device and are routed by the main table, where Cut's
	// blackholes are.
	n.ip("-n", n.Router, "link", "set", "d0", "up")
	n.ip("-n", n.Router, "link", "set", "d1", "up")
	n.ip("-n", n.Router, "route", "add", "default", "dev", "d0", "table", "100")
	n.ip("-n", n.Router, "route", "add", "default", "dev", "d1", "table", "101")
	n.ip("-n", n.Router, "rule", "add", "iif", "r0", "lookup", "100")
	n.ip("-n", n.Router, "rule", "add", "iif", "r1", "lookup", "101")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.forward(toPeer, toClient) }()
	go func() { defer wg.Done(); l.forward(toClient, toPeer) }()
	t.Cleanup(func() {
		toPeer.Close()
		toClient.Close()
		wg.Wait()
	})
	return n, l
}

// SetDelay changes the one-way delay of the packets that enter the link
// from now on.
func (l *Link) SetDelay(oneWay time.Duration) { l.oneWay.Store(int64(oneWay)) }

// SetLoss makes the link drop percent of the packets, at random, in each
// direction (0 to 100).
func (l *Link) SetLoss(percent int) { l.loss.Store(int64(min(max(percent, 0), 100))) }

// Counts reports how many packets the link has passed on and dropped.
func (l *Link) Counts() (sent, dropped int64) { return l.sent.Load(), l.dropped.Load() }

// tun opens a TUN device named name in n's router namespace: the device
// belongs to the namespace of the thread that opens /dev/net/tun.
func (l *Link) tun(n *Network, name string) *os.File {
	n.t.Helper()
	var f *os.File
	err := In(n.Router, func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: "/dev/net/tun", Err: err}
		}
		ifr, err := unix.NewIfreq(name)
		if err == nil {
			ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
			err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
		}
		if err != nil {
			unix.Close(fd)
			return os.NewSyscallError("ioctl TUNSETIFF", err)
		}
		f = os.NewFile(uintptr(fd), name)
		return nil
	})
	if err != nil {
		n.t.Fatalf("TUN device %s in %s: %v", name, n.Router, err)
	}
	// Closed here too if the setup fails before the forwarders start;
	// closing again is harmless.
	n.t.Cleanup(func() { f.Close() })
	return f
}

// A packet waits in the line until due.
type packet struct {
	b   []byte
	due time.Time
}

// forward reads packets from in and writes each to out oneWay later, in
// order, until in is closed.
func (l *Link) forward(in, out *os.File) {
	line := make(chan packet, 4096)
	written := make(chan struct{})
	defer func() { <-written }() // after close(line), below
	go func() {
		defer close(written)
		for p := range line {
			time.Sleep(time.Until(p.due))
			if _, err := out.Write(p.b); err != nil && errors.Is(err, os.ErrClosed) {
				break
			}
		}
		for range line {
		}
	}()
	defer close(line)
	buf := make([]byte, 65536)
	for {
		k, err := in.Read(buf)
		if err != nil {
			return
		}
		if loss := l.loss.Load(); loss > 0 && rand.Int64N(100) < loss {
			l.dropped.Add(1)
			continue
		}
		select {
		case line <- packet{append([]byte(nil), buf[:k]...), time.Now().Add(time.Duration(l.oneWay.Load()))}:
			l.sent.Add(1)
		default: // a full line drops, as a router's queue does
			l.dropped.Add(1)
		}
	}
}
