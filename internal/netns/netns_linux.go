package netns

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// Available reports why the harness cannot run here, or "" if it can.
func Available() string {
	if os.Geteuid() != 0 {
		return "needs root to create network namespaces"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "needs the ip command (iproute2)"
	}
	return ""
}

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

// Cut makes the peer vanish: the router drops everything between the two
// hosts, without a word to either.
func (n *Network) Cut() {
	n.t.Helper()
	n.ip("-n", n.Router, "route", "add", "blackhole", PeerAddr+"/32")
	n.ip("-n", n.Router, "route", "add", "blackhole", ClientAddr+"/32")
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

// A Process is one end, the test binary run again inside a namespace.
type Process struct {
	cmd   *exec.Cmd
	lines chan string
	t     testing.TB

	mu      sync.Mutex
	skipped []string // the last lines Wait passed over, for its errors
}

// EndEnv is the variable that tells a re-executed test binary which end
// to play; RunEnd reads it.
const EndEnv = "KEEPALIVE_NETNS_END"

// Start runs the test binary again in namespace ns as the End e. The
// process is killed when the test ends.
func (n *Network) Start(ns string, e End) *Process {
	n.t.Helper()
	return start(n, ns, EndEnv, e)
}

// Run runs the test binary again in namespace ns, with env added to its
// environment and no test selected: its init or TestMain must act on
// env. The process is killed when the test ends.
func (n *Network) Run(ns string, env ...string) *Process {
	n.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		n.t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		n.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	p := &Process{cmd: cmd, lines: make(chan string, 16), t: n.t}
	go func() {
		defer close(p.lines)
		s := bufio.NewScanner(out)
		for s.Scan() {
			p.lines <- s.Text()
		}
	}()
	n.t.Cleanup(p.Kill)
	return p
}

// ErrNoLine is returned by Wait when no matching line came in time.
var ErrNoLine = errors.New("no such line in time")

// Wait waits up to timeout for a line starting with prefix and returns
// the rest of it; ErrNoLine if none came, another error if the process
// ended first. Its errors quote the last lines the process printed
// before, such as a Call's result when the Call failed before it
// printed "inflight".
func (p *Process) Wait(prefix string, timeout time.Duration) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("the process exited before printing %q%s", prefix, p.printed())
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return strings.TrimSpace(rest), nil
			}
			p.skipped = append(p.skipped, line)
			if len(p.skipped) > 10 {
				p.skipped = p.skipped[1:]
			}
		case <-deadline:
			return "", fmt.Errorf("%w: %q within %v%s", ErrNoLine, prefix, timeout, p.printed())
		}
	}
}

// printed is the lines Wait passed over, for an error.
func (p *Process) printed() string {
	if len(p.skipped) == 0 {
		return " (it printed nothing else)"
	}
	return "; it printed before:\n\t" + strings.Join(p.skipped, "\n\t")
}

// Expect is Wait that fails the test without the line.
func (p *Process) Expect(prefix string, timeout time.Duration) string {
	p.t.Helper()
	rest, err := p.Wait(prefix, timeout)
	if err != nil {
		p.t.Fatal(err)
	}
	return rest
}

// Kill ends the process at once, as a crash would, and waits for it.
func (p *Process) Kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	for range p.lines {
	}
}
