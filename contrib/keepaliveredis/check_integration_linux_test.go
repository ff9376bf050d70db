package keepaliveredis_test

// go-redis's pool and keepalive.Check, against a real redis-server in the
// server's namespace: a connection sits idle in the pool, its path dies,
// and the next command comes while its keep-alive probes go unanswered.
// Needs root; run alone with
//
//	sudo go test -count=1 -v -run TestIntegrationPooled .

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// The three clients each case compares, in the same network.
var pooledClients = []struct{ name, what string }{
	{"check", "keepaliveredis.Configure: keep-alive, user timeout and keepalive.Check"},
	{"nocheck", "keep-alive and user timeout, no keepalive.Check (the Dialer before Check)"},
	{"plain", "go-redis's own dialer (keep-alive 30s/5s/3, no user timeout)"},
}

// commandAfter is how long after the cut the pooled connection is used:
// with keepalive.Within(5s) (idle 1s, interval 1s, count 3, user timeout
// 4s) its probes answered every second before the cut, the first probe
// after it is out by 1s and unanswered past an RTO (200ms), and the
// kernel would give the idle connection up 3s to 4s after the cut. A
// command written into it starts the user timeout's 4s anew.
const commandAfter = 2 * time.Second

func init() {
	for _, c := range pooledClients {
		name := c.name
		calls["pooled-"+name] = func(addr string, inflight func()) error {
			return pooledCommand(redis.Options{Addr: addr}, name, inflight)
		}
		// One attempt: no command retried, no dial retried.
		calls["pooled-once-"+name] = func(addr string, inflight func()) error {
			return pooledCommand(redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1}, name, inflight)
		}
	}
}

// pooledCommand opens one connection with a PING and leaves it idle in
// the pool, prints its local port, waits for the cut and commandAfter,
// then sends SET and prints how long it took and how many connections the
// client dialed in all.
func pooledCommand(o redis.Options, client string, inflight func()) error {
	o.DialTimeout = 5 * time.Second // go-redis's default, for its own dialer too
	switch client {
	case "check":
		keepaliveredis.Configure(&o, keepalive.Within(within))
	case "nocheck":
		o.Dialer = keepaliveredis.DialerWithoutCheck(keepalive.Within(within), o.DialTimeout, nil)
	default:
		o.Dialer = redis.NewDialer(&o)
	}
	var mu sync.Mutex
	var dials, port int
	dial := o.Dialer
	o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		mu.Lock()
		defer mu.Unlock()
		dials++
		if err == nil && port == 0 {
			port = c.LocalAddr().(*net.TCPAddr).Port
		}
		return c, err
	}
	c := redis.NewClient(&o)
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		return err
	}
	mu.Lock()
	fmt.Printf("port %d\n", port)
	mu.Unlock()
	inflight()
	netns.WaitForCut()
	time.Sleep(commandAfter)
	start := time.Now()
	err := c.Set(ctx, "key", "value", 0).Err()
	mu.Lock()
	fmt.Printf("command %d %d\n", time.Since(start).Milliseconds(), dials)
	mu.Unlock()
	return err
}

// dropFlows makes the router drop, silently, every packet of the TCP
// connections whose client port is one of ports, and nothing else: those
// connections' path is dead (a stateful middlebox that lost them, a
// server host replaced behind the same address) while new connections to
// the server work.
func dropFlows(t *testing.T, n *netns.Network, ports []int) {
	t.Helper()
	var set []string
	for _, p := range ports {
		set = append(set, strconv.Itoa(p))
	}
	rules := fmt.Sprintf(`table ip deadflows {
	chain forward {
		type filter hook forward priority 0; policy accept;
		tcp sport { %[1]s } drop
		tcp dport { %[1]s } drop
	}
}
`, strings.Join(set, ", "))
	cmd := exec.Command("ip", "netns", "exec", n.Router, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "nft: %s\n%s", out, rules)
}

// pooled is what one client's process reported.
type pooled struct {
	took  time.Duration
	dials int
	o     netns.Outcome
	err   error
}

// runPooled starts the three clients, lets their connections go idle,
// cuts as cut says, and returns what each reported, by client.
func runPooled(t *testing.T, n *netns.Network, call string, cut func(ports []int), wait time.Duration) map[string]pooled {
	procs := map[string]*netns.Process{}
	var ports []int
	for _, c := range pooledClients {
		p := n.StartCall(n.Client, call+c.name, serverAddr)
		port, err := strconv.Atoi(p.Expect("port", 30*time.Second))
		require.NoError(t, err)
		ports = append(ports, port)
		procs[c.name] = p
	}
	for _, p := range procs {
		p.Expect("inflight", 30*time.Second)
	}
	// Idle long enough for a probe or two to be answered.
	time.Sleep(1500 * time.Millisecond)
	cut(ports)
	for _, p := range procs {
		require.NoError(t, p.Signal(syscall.SIGUSR1))
	}
	got := map[string]pooled{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r pooled
			var line string
			line, r.err = p.Wait("command", commandAfter+wait)
			if r.err == nil {
				var ms int64
				_, r.err = fmt.Sscan(line, &ms, &r.dials)
				r.took = time.Duration(ms) * time.Millisecond
			}
			if r.err == nil {
				r.o, r.err = p.Outcome(5 * time.Second)
			}
			mu.Lock()
			got[name] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, c := range pooledClients {
		r := got[c.name]
		if r.err != nil {
			t.Logf("%-8s %s: no answer: %v", c.name, c.what, r.err)
			continue
		}
		t.Logf("%-8s %s: SET took %v, %d connections dialed, error %q", c.name, c.what, r.took, r.dials, r.o.Err)
	}
	return got
}

// TestIntegrationPooledDeadPath: the pooled connection's path dies, the
// server stays reachable. With Check the pool pings the suspect, drops it
// when no PONG comes within a few of its RTOs, and the command succeeds
// on a fresh one within a second; without, it waits for the kernel or a
// timeout first.
func TestIntegrationPooledDeadPath(t *testing.T) {
	t.Parallel()
	n := netns.New(t) // counted, and skipped without root
	netns.NeedNFT(t)
	startRedis(t, n)
	got := runPooled(t, n, "pooled-", func(ports []int) { dropFlows(t, n, ports) }, 15*time.Second)

	with := got["check"]
	require.NoError(t, with.err)
	assert.Empty(t, with.o.Err, "with Check: the command succeeds")
	assert.Equal(t, 2, with.dials, "with Check: one fresh connection")
	assert.Less(t, with.took, time.Second, "with Check: the suspect's PING waited for a few RTOs only")
	without := got["nocheck"]
	require.NoError(t, without.err)
	assert.Greater(t, without.took, time.Second, "without Check the command waits on the dead connection")
}

// TestIntegrationPooledDeadHost: the server's host vanishes, and each
// client makes one attempt (MaxRetries -1, DialerRetries 1). With Check
// the pool drops the connection and dials, which the dead host never
// answers: the dial fails at the user timeout, which bounds connect too.
// Without, the command is written into the dead connection and fails
// when the kernel gives up on it (the user timeout) or at go-redis's
// ReadTimeout (5s). With go-redis's retries left at their defaults every
// client keeps dialing the dead host for over a minute, Check or not.
func TestIntegrationPooledDeadHost(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	startRedis(t, n)
	got := runPooled(t, n, "pooled-once-", func([]int) { n.Cut() }, 15*time.Second)
	for _, c := range pooledClients {
		r := got[c.name]
		require.NoError(t, r.err, c.name)
		assert.NotEmpty(t, r.o.Err, "%s: the command fails", c.name)
	}
	with := got["check"]
	assert.Equal(t, 2, with.dials, "with Check: a fresh connection tried")
	assert.Contains(t, with.o.Err, "dial tcp", "with Check: the fresh connection's dial error")
	assert.Less(t, with.took, within+500*time.Millisecond, "with Check: the dial fails within the user timeout")
	assert.Less(t, got["nocheck"].took, within, "without Check: the kernel's user timeout")
}
