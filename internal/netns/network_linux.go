package netns

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Addresses inside the namespaces. Each Network has namespaces of its
// own, so networks running at once do not see each other.
const (
	ClientAddr = "10.77.1.1"
	PeerAddr   = "10.77.2.1"
	routerC    = "10.77.1.254"
	routerP    = "10.77.2.254"
)

// A Network is three namespaces joined by two veth pairs, the router
// forwarding between them.
type Network struct {
	Client, Router, Peer string // namespace names
	t                    testing.TB
}

var seq atomic.Int64

// New builds a Network, or skips the test with the reason it cannot.
func New(t testing.TB) *Network {
	t.Helper()
	Track(t)
	if why := Available(); why != "" {
		Skip(t, why)
	}
	sweepOnce.Do(sweep)
	id := fmt.Sprintf("ka%d-%d", os.Getpid(), seq.Add(1))
	n := &Network{Client: id + "-c", Router: id + "-r", Peer: id + "-p", t: t}
	t.Cleanup(n.remove)
	for _, ns := range []string{n.Client, n.Router, n.Peer} {
		n.ip("netns", "add", ns)
		n.ip("-n", ns, "link", "set", "lo", "up")
	}
	n.ip("link", "add", "c0", "netns", n.Client, "type", "veth", "peer", "name", "r0", "netns", n.Router)
	n.ip("link", "add", "p0", "netns", n.Peer, "type", "veth", "peer", "name", "r1", "netns", n.Router)
	for _, l := range []struct{ ns, dev, addr string }{
		{n.Client, "c0", ClientAddr}, {n.Router, "r0", routerC},
		{n.Router, "r1", routerP}, {n.Peer, "p0", PeerAddr},
	} {
		n.ip("-n", l.ns, "addr", "add", l.addr+"/24", "dev", l.dev)
		n.ip("-n", l.ns, "link", "set", l.dev, "up")
	}
	n.ip("-n", n.Client, "route", "add", "default", "via", routerC)
	n.ip("-n", n.Peer, "route", "add", "default", "via", routerP)
	n.run("ip", "netns", "exec", n.Router, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
	return n
}

var (
	sweepOnce sync.Once
	ourName   = regexp.MustCompile(`^ka(\d+)-\d+-[crp]$`)
)

// sweep removes the namespaces of test processes that died before their
// cleanup ran (killed by a timeout, say): ours by name, their process
// gone.
func sweep() {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return
	}
	for _, e := range entries {
		m := ourName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if _, err := os.Stat("/proc/" + m[1]); err == nil {
			continue // its test is still running
		}
		exec.Command("ip", "netns", "del", e.Name()).Run()
	}
}

func (n *Network) remove() {
	for _, ns := range []string{n.Client, n.Router, n.Peer} {
		// Deleting a namespace takes its veth ends with it.
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			n.t.Logf("removing namespace %s: %v: %s", ns, err, out)
		}
	}
}

func (n *Network) ip(args ...string) {
	n.t.Helper()
	n.run("ip", args...)
}

func (n *Network) run(name string, args ...string) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
		n.t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// runIn is run with stdin.
func (n *Network) runIn(stdin, name string, args ...string) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		n.t.Fatalf("%s %s: %v: %s\n%s", name, strings.Join(args, " "), err, out, stdin)
	}
}

// In runs fn on a thread in network namespace ns (one of a Network's):
// the sockets fn opens (a listener, a dialed connection, a TUN device)
// belong to ns, and keep it once the thread is gone, so the test's own
// goroutines can serve and dial inside the test network. It returns
// fn's error.
func In(ns string, fn func() error) error {
	f, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return err
	}
	defer f.Close()
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine, and with
		// it the namespace switch.
		runtime.LockOSThread()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- os.NewSyscallError("setns", err)
			return
		}
		done <- fn()
	}()
	return <-done
}
