package keepalive_test

// Check and Inspect on real sockets: loopback cases here, and the
// namespace cases (TestIntegrationCheck*) where a peer must vanish. The
// kernel's own readings (TCP_INFO, FIONREAD, SO_ERROR) are taken by the
// tests themselves.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// tcpInfo reads TCP_INFO for the test, not through the library.
func tcpInfo(t *testing.T, c syscall.Conn) *unix.TCPInfo {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var info *unix.TCPInfo
	var ierr error
	require.NoError(t, rc.Control(func(fd uintptr) {
		info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}))
	require.NoError(t, ierr)
	return info
}

// queued is how many received bytes wait unread (FIONREAD).
func queued(t *testing.T, c syscall.Conn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var n int
	var ierr error
	require.NoError(t, rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }))
	require.NoError(t, ierr)
	return n
}

// waitState waits up to 5s for the kernel to put c in state (Linux's
// number, read by the test).
func waitState(t *testing.T, c syscall.Conn, state uint8) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for tcpInfo(t, c).State != state {
		require.True(t, time.Now().Before(deadline), "the kernel never reached state %d", state)
		time.Sleep(5 * time.Millisecond)
	}
}

// Linux's TCP states (include/net/tcp_states.h), as the tests compare
// them.
const (
	linuxEstablished = 1
	linuxClose       = 7
	linuxCloseWait   = 8
)

func TestCheckLiveConnKeepsUnreadData(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), nil)
	require.NoError(t, keepalive.Check(dialed))

	_, err := accepted.Write([]byte("hello"))
	require.NoError(t, err)
	deadline := time.Now().Add(5 * time.Second)
	for queued(t, dialed) < 5 {
		require.True(t, time.Now().Before(deadline), "the data never arrived")
		time.Sleep(time.Millisecond)
	}
	for range 3 {
		assert.NoError(t, keepalive.Check(dialed))
	}
	assert.Equal(t, 5, queued(t, dialed), "Check consumed received data")
	buf := make([]byte, 5)
	_, err = io.ReadFull(dialed, buf)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(buf))
}

func TestCheckFIN(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), nil)
	_, err := accepted.Write([]byte("last words"))
	require.NoError(t, err)
	require.NoError(t, accepted.Close())
	waitState(t, dialed, linuxCloseWait)

	err = keepalive.Check(dialed)
	assert.ErrorIs(t, err, io.EOF)
	assert.False(t, keepalive.IsPeerGone(err), "a FIN is not a dead peer: %v", err)
	assert.NotErrorIs(t, err, keepalive.ErrUnanswered)
	var op *net.OpError
	assert.ErrorAs(t, err, &op)
	assert.Equal(t, len("last words"), queued(t, dialed), "Check consumed the data before the FIN")
}

func TestCheckReset(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), nil)
	require.NoError(t, accepted.SetLinger(0))
	require.NoError(t, accepted.Close()) // RST
	waitState(t, dialed, linuxClose)

	err := keepalive.Check(dialed)
	assert.True(t, keepalive.IsPeerGone(err), "%v", err)
	assert.ErrorIs(t, err, syscall.ECONNRESET)
	assert.NotErrorIs(t, err, keepalive.ErrUnanswered)

	// Check took the pending error: the kernel holds none now, and a
	// second Check still reports the dropped connection.
	assert.Zero(t, soError(t, dialed), "SO_ERROR still pending after Check")
	err = keepalive.Check(dialed)
	assert.True(t, keepalive.IsPeerGone(err), "%v", err)
	assert.ErrorIs(t, err, syscall.EPIPE)

	// Read and Write return at once, not at their deadline.
	require.NoError(t, dialed.SetDeadline(time.Now().Add(time.Minute)))
	_, err = dialed.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF)
	_, err = dialed.Write([]byte("x"))
	assert.True(t, keepalive.IsPeerGone(err), "%v", err)
}

// soError reads and clears SO_ERROR for the test.
func soError(t *testing.T, c syscall.Conn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var v int
	var serr error
	require.NoError(t, rc.Control(func(fd uintptr) { v, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR) }))
	require.NoError(t, serr)
	return v
}

func TestCheckConnsItCannotSee(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer udp.Close()
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	closed, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, closed.Close())
	for _, tt := range []struct {
		name string
		conn net.Conn
		is   error
	}{
		{"nil", nil, nil},
		{"nil TCPConn", (*net.TCPConn)(nil), nil},
		{"UDP", udp.(*net.UDPConn), nil},
		{"pipe", p1, nil},
		{"closed", closed, net.ErrClosed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotPanics(t, func() {
				err := keepalive.Check(tt.conn)
				require.Error(t, err)
				var op *net.OpError
				assert.ErrorAs(t, err, &op)
				assert.False(t, keepalive.IsPeerGone(err))
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is)
				}
				_, err = keepalive.Inspect(tt.conn)
				assert.Error(t, err)
			})
		})
	}
}

func TestInspectReadsTheKernel(t *testing.T) {
	dialed, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, keepalive.Set(dialed, cfg))
	h, err := keepalive.Inspect(dialed)
	require.NoError(t, err)
	info := tcpInfo(t, dialed)
	assert.Equal(t, keepalive.TCPEstablished, h.State)
	assert.Equal(t, uint8(linuxEstablished), info.State)
	assert.NoError(t, h.Err)
	assert.Zero(t, h.Probes)
	assert.Zero(t, h.Retransmissions)
	assert.Zero(t, h.Unacked)
	assert.Equal(t, time.Duration(info.Rto)*time.Microsecond, h.RTO)
	assert.GreaterOrEqual(t, h.SinceReceived, time.Duration(0))
	assert.Less(t, h.SinceReceived, time.Minute)
	k := readKernel(t, dialed)
	assert.Equal(t, keepalive.Config{Idle: k.Idle, Interval: k.Interval, Count: k.Count, UserTimeout: k.UserTimeout}, h.KeepAlive.Config)
	assert.True(t, h.KeepAlive.Enabled)
	// Nothing received since the handshake: what remains of the bound.
	bound := k.Idle + k.Interval // UserTimeout 12.345s < Idle+Interval: one probe
	assert.LessOrEqual(t, h.GivesUpIn, bound)
	assert.Greater(t, h.GivesUpIn, bound-time.Minute)
	assert.Contains(t, h.String(), "ESTABLISHED")
}

// TestUnansweredRule pins when a probe counts as unanswered: only once
// it has been out longer than RTO, allowing for the keep-alive timer to
// fire up to Idle/8 late.
func TestUnansweredRule(t *testing.T) {
	on := keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 8 * time.Second, Interval: 2 * time.Second, Count: 4}}
	rto := 204 * time.Millisecond
	for _, tt := range []struct {
		name       string
		h          keepalive.Health
		unanswered bool
	}{
		{"nothing out", keepalive.Health{SinceReceived: time.Hour, RTO: rto, KeepAlive: on}, false},
		{"probe just sent", keepalive.Health{Probes: 1, SinceReceived: 8 * time.Second, RTO: rto, KeepAlive: on}, false},
		{"probe sent by a late timer", keepalive.Health{Probes: 1, SinceReceived: 9*time.Second + rto, RTO: rto, KeepAlive: on}, false},
		{"probe out past RTO even if late", keepalive.Health{Probes: 1, SinceReceived: 9*time.Second + rto + time.Millisecond, RTO: rto, KeepAlive: on}, true},
		{"second probe", keepalive.Health{Probes: 2, SinceReceived: 10 * time.Second, RTO: rto, KeepAlive: on}, true},
		{"second probe, interval below RTO", keepalive.Health{Probes: 2, SinceReceived: 8*time.Second + 100*time.Millisecond, RTO: time.Second, KeepAlive: keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 8 * time.Second, Interval: 100 * time.Millisecond, Count: 4}}}, true},
		{"settings unknown, one probe", keepalive.Health{Probes: 1, SinceReceived: time.Hour, RTO: rto}, false},
		{"settings unknown, two probes", keepalive.Health{Probes: 2, SinceReceived: time.Hour, RTO: rto}, true},
		{"retransmission", keepalive.Health{Retransmissions: 1, Unacked: 3, RTO: rto}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.unanswered, tt.h.Unanswered())
		})
	}
}

func TestHealthString(t *testing.T) {
	h := keepalive.Health{
		State: keepalive.TCPEstablished, Probes: 2, SinceReceived: 4100 * time.Millisecond, RTO: 204 * time.Millisecond,
		KeepAlive: keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 4}},
		GivesUpIn: 1900 * time.Millisecond,
	}
	assert.Equal(t, "ESTABLISHED, probe 2 of 4 unanswered, nothing received for 4.1s, declared gone in ≤ 1.9s", h.String())
	h = keepalive.Health{State: keepalive.TCPClosed, Err: syscall.ETIMEDOUT}
	assert.Equal(t, "CLOSED, connection timed out", h.String())
	assert.Equal(t, "TCPState(200)", keepalive.TCPState(200).String())
	assert.True(t, errors.Is(keepalive.ErrUnanswered, keepalive.ErrUnanswered))
}

// The namespace cases. The test process opens each socket on a thread
// moved into the namespace (setns), so that Check runs right here on a
// socket of the client or peer namespace; the thread exits with its
// goroutine, and the socket keeps its namespace. Run them alone with
//
//	sudo go test -count=1 -v -run TestIntegrationCheck .
//
// The bounds and tolerances are those of integration_linux_test.go:
// kernel timers fire late by at most 1/8 of their length.

// inNamespace runs fn on a thread in network namespace ns.
func inNamespace(t *testing.T, ns string, fn func() error) {
	t.Helper()
	f, err := os.Open("/run/netns/" + ns)
	require.NoError(t, err)
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
	require.NoError(t, <-done)
}

// nsPair connects a client in n.Client, dialed with c, to a peer in
// n.Peer, over IPv6 if v6, and exchanges a byte each way.
func nsPair(t *testing.T, n *netns.Network, c keepalive.Config, v6 bool) (client, peer *net.TCPConn) {
	t.Helper()
	listenAddr, peerAddr := netns.PeerAddr+":7778", netns.PeerAddr+":7778"
	if v6 {
		n.AddIPv6()
		listenAddr, peerAddr = "[::]:7778", "["+netns.PeerAddr6+"]:7778"
	}
	var ln net.Listener
	inNamespace(t, n.Peer, func() (err error) {
		ln, err = net.Listen("tcp", listenAddr)
		return err
	})
	defer ln.Close()
	var conn net.Conn
	inNamespace(t, n.Client, func() (err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err = keepalive.NewDialer(keepalive.WithKeepalive(c)).DialContext(ctx, "tcp", peerAddr)
		return err
	})
	client = conn.(*net.TCPConn)
	t.Cleanup(func() { client.Close() })
	a, err := ln.Accept()
	require.NoError(t, err)
	peer = a.(*net.TCPConn)
	t.Cleanup(func() { peer.Close() })
	for _, pp := range [][2]*net.TCPConn{{client, peer}, {peer, client}} {
		_, err := pp[0].Write([]byte{1})
		require.NoError(t, err)
		_, err = io.ReadFull(pp[1], make([]byte, 1))
		require.NoError(t, err)
	}
	return client, peer
}

// keepAlivesSent reads the namespace's count of keep-alive probes sent
// (TcpExtTCPKeepAlive in /proc/net/netstat).
func keepAlivesSent(t *testing.T, ns string) int {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/proc/net/netstat").CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(string(out), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		for j, name := range names {
			if name == "TCPKeepAlive" && j < len(values) {
				v, err := strconv.Atoi(values[j])
				require.NoError(t, err)
				return v
			}
		}
	}
	t.Fatal("no TCPKeepAlive counter in /proc/net/netstat")
	return 0
}

// checkUntil calls Check every 5ms until stop says so or limit passes,
// and returns the first error of each kind with when it came, measured
// from start.
type checked struct {
	unanswered, gone, other error
	unansweredAt, goneAt    time.Duration
	calls                   int
}

func checkUntil(c net.Conn, start time.Time, limit time.Duration, stop func(*checked) bool) *checked {
	var r checked
	for time.Since(start) < limit && !stop(&r) {
		err := keepalive.Check(c)
		r.calls++
		switch {
		case err == nil:
		case errors.Is(err, keepalive.ErrUnanswered):
			if r.unanswered == nil {
				r.unanswered, r.unansweredAt = err, time.Since(start)
			}
		case keepalive.IsPeerGone(err):
			if r.gone == nil {
				r.gone, r.goneAt = err, time.Since(start)
			}
		default:
			if r.other == nil {
				r.other = err
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return &r
}

func TestIntegrationCheckLivePeer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	c := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 2}
	client, peer := nsPair(t, n, c, false)
	_, err := peer.Write([]byte("unread"))
	require.NoError(t, err)
	before := keepAlivesSent(t, n.Client)
	start := time.Now()
	var maxSince time.Duration
	r := checkUntil(client, start, 5*time.Second, func(*checked) bool {
		maxSince = max(maxSince, time.Duration(tcpInfo(t, client).Last_ack_recv)*time.Millisecond)
		return false
	})
	probes := keepAlivesSent(t, n.Client) - before
	t.Logf("%d Checks over 5s, %d keep-alive probes sent and answered, at most %v without a packet", r.calls, probes, maxSince)
	assert.NoError(t, r.unanswered, "false alarm on a live peer")
	assert.NoError(t, r.gone)
	assert.NoError(t, r.other)
	// Idle 1s, interval 1s: a probe each second after the first, each
	// answered, so that the connection never goes two seconds unheard.
	assert.GreaterOrEqual(t, probes, 3, "the kernel sent too few probes to prove anything")
	assert.Less(t, maxSince, 2*time.Second, "probes went unanswered on a live path")
	assert.Equal(t, len("unread"), queued(t, client), "Check consumed unread data")
}

func TestIntegrationCheckIdleDeadPeer(t *testing.T) {
	t.Parallel()
	for _, v6 := range []bool{false, true} {
		name := "IPv4"
		if v6 {
			name = "IPv6"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := netns.New(t)
			c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 4}
			client, _ := nsPair(t, n, c, v6)
			var atUnanswered keepalive.Health
			cut := time.Now()
			if v6 {
				n.CutWith("blackhole")
			} else {
				n.Cut()
			}
			r := checkUntil(client, cut, 20*time.Second, func(r *checked) bool {
				if r.unanswered != nil && atUnanswered.State == keepalive.TCPUnknown {
					var err error
					atUnanswered, err = keepalive.Inspect(client)
					return err != nil
				}
				return r.gone != nil || r.other != nil
			})
			t.Logf("%s: unanswered after %v (%v; %v), gone after %v (%v)", name, r.unansweredAt.Round(time.Millisecond), r.unanswered, atUnanswered, r.goneAt.Round(time.Millisecond), r.gone)
			require.NoError(t, r.other)
			require.Error(t, r.unanswered, "no ErrUnanswered before the kernel's error")
			require.Error(t, r.gone, "the kernel never declared the peer gone")
			assert.False(t, keepalive.IsPeerGone(r.unanswered))
			assert.Contains(t, r.unanswered.Error(), "of 4 unanswered")
			assert.Less(t, r.unansweredAt, r.goneAt, "ErrUnanswered not before the kernel's error")
			assert.ErrorIs(t, r.gone, syscall.ETIMEDOUT)
			// The first probe leaves at Idle; it is unanswered one RTO
			// later, allowing for the timer's lateness (Idle/8).
			assert.GreaterOrEqual(t, r.unansweredAt, c.Idle-100*time.Millisecond)
			assert.LessOrEqual(t, r.unansweredAt, c.Idle+c.Idle/8+time.Second+500*time.Millisecond)
			assertAbout(t, c.Timeout(), r.goneAt)
			// What Inspect promised when it saw the probe unanswered.
			assert.Equal(t, keepalive.TCPEstablished, atUnanswered.State)
			assert.GreaterOrEqual(t, atUnanswered.Probes, 1)
			assert.LessOrEqual(t, r.goneAt, r.unansweredAt+atUnanswered.GivesUpIn+c.Timeout()/8+500*time.Millisecond, "gone later than Inspect's GivesUpIn")
			// Check took the error: Read and Write return at once.
			assert.Zero(t, soError(t, client))
			require.NoError(t, client.SetDeadline(time.Now().Add(time.Minute)))
			_, err := client.Read(make([]byte, 1))
			assert.ErrorIs(t, err, io.EOF)
			_, err = client.Write([]byte{1})
			assert.True(t, keepalive.IsPeerGone(err), "%v", err)
		})
	}
}

func TestIntegrationCheckBusyDeadPeer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 4} // no UserTimeout
	client, _ := nsPair(t, n, c, false)
	n.Cut()
	cut := time.Now()
	_, err := client.Write(make([]byte, 1000))
	require.NoError(t, err)
	r := checkUntil(client, cut, 5*time.Second, func(r *checked) bool { return r.unanswered != nil || r.other != nil })
	h, err := keepalive.Inspect(client)
	require.NoError(t, err)
	info := tcpInfo(t, client)
	t.Logf("unanswered after %v: %v; %v", r.unansweredAt.Round(time.Millisecond), r.unanswered, h)
	require.NoError(t, r.other)
	require.Error(t, r.unanswered, "no ErrUnanswered within 5s of a busy connection's peer vanishing")
	assert.Contains(t, r.unanswered.Error(), "retransmission")
	assert.False(t, keepalive.IsPeerGone(r.unanswered))
	assert.Less(t, r.unansweredAt, 2*time.Second)
	assert.NotZero(t, info.Retransmits, "the kernel shows no retransmission")
	assert.Positive(t, h.Unacked)
	// No user timeout: tcp_retries2 bounds it, many minutes away.
	assert.Greater(t, h.GivesUpIn, time.Minute)
}

func TestIntegrationCheckPeerCloses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		reset bool
	}{{"FIN", false}, {"RST", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := netns.New(t)
			client, peer := nsPair(t, n, keepalive.Config{}, false)
			if tt.reset {
				require.NoError(t, peer.SetLinger(0))
			}
			closed := time.Now()
			require.NoError(t, peer.Close())
			r := checkUntil(client, closed, 5*time.Second, func(r *checked) bool { return r.gone != nil || r.other != nil })
			t.Logf("%s: %v after %v", tt.name, cmp.Or(r.gone, r.other), time.Since(closed).Round(time.Millisecond))
			if tt.reset {
				require.Error(t, r.gone)
				assert.ErrorIs(t, r.gone, syscall.ECONNRESET)
				return
			}
			require.Error(t, r.other)
			assert.ErrorIs(t, r.other, io.EOF)
			assert.NoError(t, r.unanswered)
		})
	}
}

// checkCostsEnv makes the test binary, run again under strace, call
// Check between two getpid markers: checksPerRun times on a live
// connection, then once on a reset one.
const checkCostsEnv = "KEEPALIVE_CHECK_COSTS"

const checksPerRun = 100

func init() {
	if os.Getenv(checkCostsEnv) == "" {
		return
	}
	if err := checkCosts(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

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
	syscall.Getpid()
	for range checksPerRun {
		if err := keepalive.Check(conns[0]); err != nil {
			return err
		}
	}
	syscall.Getpid()
	if err := keepalive.Check(conns[1]); !keepalive.IsPeerGone(err) {
		return fmt.Errorf("Check on a reset connection: %v", err)
	}
	syscall.Getpid()
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
	exe, err := os.Executable()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "trace")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "strace", "-f", "-qq", "-e", "trace=getpid,%network,read,write,ioctl,fcntl,poll,ppoll,epoll_ctl", "-o", out, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), checkCostsEnv+"=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		netns.Skip(t, fmt.Sprintf("strace cannot trace here: %v: %s", err, b))
	}
	trace, err := os.ReadFile(out)
	require.NoError(t, err)
	var spans [][]string
	var span []string
	for _, line := range strings.Split(string(trace), "\n") {
		switch {
		case strings.Contains(line, "getpid("):
			if span != nil {
				spans = append(spans, span)
			}
			span = []string{}
		case span != nil && strings.TrimSpace(line) != "":
			span = append(span, line)
		}
	}
	// The runtime may call getpid before the test's markers: the last
	// three markers bound the two spans.
	require.GreaterOrEqual(t, len(spans), 2, "markers missing in the trace")
	live, dropped := spans[len(spans)-2], spans[len(spans)-1]
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
