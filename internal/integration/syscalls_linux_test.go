package integration_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// costsEnv makes the test binary, run again under strace, make
// connsPerRun connections one way (its value names the way).
const costsEnv = "KEEPALIVE_COSTS"

// connsPerRun is how many connections each traced run makes.
const connsPerRun = 20

// checkCostsEnv makes the test binary, run again under strace, call
// Check between getppid markers (a call the runtime never makes):
// checksPerRun times on a live connection, then once on a reset one.
const checkCostsEnv = "KEEPALIVE_CHECK_COSTS"

const checksPerRun = 100

// A traced run: the test binary run again under strace
// (sockettest.Traced), doing what costsEnv or checkCostsEnv asks, then
// exiting before the tests.
func init() {
	run := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if way := os.Getenv(costsEnv); way != "" {
		run(connect(way))
	}
	if os.Getenv(checkCostsEnv) != "" {
		run(checkCosts())
	}
}

var ways = map[string]struct {
	d    *net.Dialer
	lc   *net.ListenConfig
	wrap bool
	c    *keepalive.Config // what WrapListener applies, if not cfg
}{
	// net.Listen's listener, as in the quick start: Go's per-accept
	// keep-alive (4 setsockopt) runs before the Listener's.
	"accept: keepalive.WrapListener(net.Listen)":           {d: &net.Dialer{KeepAlive: -1}, lc: &net.ListenConfig{}, wrap: true},
	"accept: keepalive.WrapListener(net.Listen), Config{}": {d: &net.Dialer{KeepAlive: -1}, lc: &net.ListenConfig{}, wrap: true, c: &keepalive.Config{}},
	"dial: keepalive.WithKeepalive":                        {d: keepalive.NewDialer(keepalive.WithKeepalive(cfg)), lc: &net.ListenConfig{KeepAlive: -1}},
	"dial: net.Dialer{KeepAliveConfig}":                    {d: &net.Dialer{KeepAliveConfig: goKeepAlive}, lc: &net.ListenConfig{KeepAlive: -1}},
	"accept: keepalive.Listen":                             {d: &net.Dialer{KeepAlive: -1}, lc: listenConfig(cfg)},
	"accept: keepalive.WrapListener":                       {d: &net.Dialer{KeepAlive: -1}, lc: &net.ListenConfig{KeepAlive: -1}, wrap: true},
	"accept: net.ListenConfig{KeepAliveConfig}":            {d: &net.Dialer{KeepAlive: -1}, lc: &net.ListenConfig{KeepAliveConfig: goKeepAlive}},
}

func connect(way string) error {
	w, ok := ways[way]
	if !ok {
		return fmt.Errorf("unknown way %q", way)
	}
	ln, err := w.lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	if w.wrap {
		c := cfg
		if w.c != nil {
			c = *w.c
		}
		ln = keepalive.WrapListener(ln, c)
	}
	for range connsPerRun {
		c, err := w.d.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		a, err := ln.Accept()
		if err != nil {
			return err
		}
		a.Close()
		c.Close()
	}
	return nil
}

var keepaliveOption = regexp.MustCompile(`setsockopt\(\d+, (?:SOL_SOCKET, SO_KEEPALIVE|SOL_TCP, (?:TCP_KEEPIDLE|TCP_KEEPINTVL|TCP_KEEPCNT|TCP_USER_TIMEOUT)),`)

// TestIntegrationSyscalls counts, with strace, the keep-alive setsockopt
// calls each way of connecting makes: what "0 per accepted connection"
// and "one per requested option" rest on. `bash scripts/bench` prints the
// table.
func TestIntegrationSyscalls(t *testing.T) {
	netns.Track(t)
	if _, err := exec.LookPath("strace"); err != nil {
		netns.Skip(t, "needs strace (apt-get install strace)")
	}
	count := func(t *testing.T, way string) (total int, perOption map[string]int) {
		t.Helper()
		trace := sockettest.Traced(t, "setsockopt", costsEnv+"="+way)
		perOption = map[string]int{}
		for _, m := range keepaliveOption.FindAllStringSubmatch(trace, -1) {
			perOption[regexp.MustCompile(`(SO_KEEPALIVE|TCP_\w+)`).FindString(m[0])]++
			total++
		}
		return total, perOption
	}
	for _, tt := range []struct {
		way     string
		perConn int // keep-alive setsockopt per connection
		fixed   int // once per run (the listening socket)
		twice   int // options set twice per connection (Go's, then the library's)
	}{
		{"dial: keepalive.WithKeepalive", 5, 0, 0},
		{"dial: net.Dialer{KeepAliveConfig}", 4, 0, 0},
		{"accept: keepalive.Listen", 0, 5, 0},
		{"accept: keepalive.WrapListener", 5, 0, 0},
		// Go's 4, then the library's 4: SO_KEEPALIVE is on already.
		{"accept: keepalive.WrapListener(net.Listen)", 8, 0, 3},
		// Go's 4, which are the Config's: nothing more.
		{"accept: keepalive.WrapListener(net.Listen), Config{}", 4, 0, 0},
		{"accept: net.ListenConfig{KeepAliveConfig}", 4, 0, 0},
	} {
		t.Run(tt.way, func(t *testing.T) {
			total, perOption := count(t, tt.way)
			t.Logf("syscalls: %-42s %s keep-alive setsockopt per connection (%d in %d connections: %v)",
				tt.way, strconv.FormatFloat(float64(total-tt.fixed)/connsPerRun, 'f', -1, 64), total, connsPerRun, perOption)
			assert.Equal(t, tt.perConn*connsPerRun+tt.fixed, total)
			// Each option once per connection, or once on the listening
			// socket: nothing set twice by the library, and only the
			// options Go set first twice in all.
			wantEach := connsPerRun
			if tt.perConn == 0 {
				wantEach = 1
			}
			twice := 0
			for opt, n := range perOption {
				if n == 2*wantEach {
					twice++
					continue
				}
				assert.Equal(t, wantEach, n, "%s", opt)
			}
			assert.Equal(t, tt.twice, twice, "options set twice")
		})
	}
}

// checkCosts is a traced run of Check (checkCostsEnv).
func checkCosts() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	conns := [2]net.Conn{}
	for i := range conns {
		if conns[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			return err
		}
		defer conns[i].Close()
		a, err := ln.Accept()
		if err != nil {
			return err
		}
		defer a.Close()
		if i == 1 {
			a.(*net.TCPConn).SetLinger(0)
			a.Close() // RST
		}
	}
	time.Sleep(100 * time.Millisecond) // the reset arrives
	// A connection's first Check reads SO_PROTOCOL too, once: Multipath
	// TCP needs more than TCP_INFO (docs/behaviour.md).
	if err := keepalive.Check(conns[0]); err != nil {
		return err
	}
	syscall.Getppid()
	for range checksPerRun {
		if err := keepalive.Check(conns[0]); err != nil {
			return err
		}
	}
	syscall.Getppid()
	if err := keepalive.Check(conns[1]); !keepalive.IsPeerGone(err) {
		return fmt.Errorf("Check on a reset connection: %v", err)
	}
	syscall.Getppid()
	return nil
}

// TestIntegrationCheckSyscalls counts, with strace, the system calls
// Check makes: one getsockopt (TCP_INFO) on a live connection, two
// (TCP_INFO, SO_ERROR) on a dropped one, and nothing else. `bash
// scripts/bench` prints them.
func TestIntegrationCheckSyscalls(t *testing.T) {
	netns.Track(t)
	if _, err := exec.LookPath("strace"); err != nil {
		netns.Skip(t, "needs strace (apt-get install strace)")
	}
	trace := sockettest.Traced(t, "getppid,%network,read,write,ioctl,fcntl,poll,ppoll,epoll_ctl", checkCostsEnv+"=1")
	var spans [][]string
	var span []string
	// A call starts "pid name(": signals ("--- SIGURG") and the second
	// halves of interrupted calls ("<... resumed>") are not calls.
	call := regexp.MustCompile(`^\d+\s+\w+\(`)
	for _, line := range strings.Split(trace, "\n") {
		switch {
		case !call.MatchString(line):
		case strings.Contains(line, "getppid("):
			if span != nil {
				spans = append(spans, span)
			}
			span = []string{}
		case span != nil:
			span = append(span, line)
		}
	}
	require.Len(t, spans, 2, "markers missing in the trace")
	live, dropped := spans[0], spans[1]
	t.Logf("syscalls: Check on a live connection: %s per call (%d in %d calls)", strconv.FormatFloat(float64(len(live))/checksPerRun, 'f', -1, 64), len(live), checksPerRun)
	var names []string
	for _, l := range dropped {
		if m := regexp.MustCompile(`^\d+\s+(\w+)\(\d+, \w+, (\w+)`).FindStringSubmatch(l); m != nil {
			names = append(names, m[1]+" "+m[2])
		} else {
			names = append(names, l)
		}
	}
	t.Logf("syscalls: Check on a reset connection: %d (%s)", len(dropped), strings.Join(names, ", "))
	assert.Len(t, live, checksPerRun)
	for _, l := range live {
		assert.Contains(t, l, "getsockopt(")
		assert.Contains(t, l, "TCP_INFO")
	}
	assert.Len(t, dropped, 2)
}
