package keepalive_test

// Check and Inspect on real loopback sockets, and ExampleCheck. The
// kernel's own readings (TCP_INFO, FIONREAD, SO_ERROR) are taken by the
// tests themselves (internal/sockettest). The cases where a peer must
// vanish are TestIntegrationCheck* in internal/integration.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// What the kernel holds for a socket, read by the test itself.
var (
	tcpInfo = sockettest.TCPInfo
	queued  = sockettest.Queued
	soError = sockettest.SOError
)

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
	linuxFinWait2    = 5
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

// TestCheckOrderlyClose: both FINs exchanged, in either order, is an
// orderly close, not a dropped connection; and a connection shut for
// writing can no longer carry a request.
func TestCheckOrderlyClose(t *testing.T) {
	for _, tt := range []struct {
		name  string
		close func(t *testing.T, dialed, accepted *net.TCPConn)
		state uint8
	}{
		{"CloseWrite, then the peer closes", func(t *testing.T, dialed, accepted *net.TCPConn) {
			require.NoError(t, dialed.CloseWrite())
			waitState(t, dialed, linuxFinWait2)
			require.NoError(t, accepted.Close())
		}, linuxClose},
		{"the peer closes, then CloseWrite", func(t *testing.T, dialed, accepted *net.TCPConn) {
			require.NoError(t, accepted.Close())
			waitState(t, dialed, linuxCloseWait)
			require.NoError(t, dialed.CloseWrite())
		}, linuxClose},
		{"CloseWrite, the peer still open", func(t *testing.T, dialed, accepted *net.TCPConn) {
			require.NoError(t, dialed.CloseWrite())
		}, linuxFinWait2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dialed, accepted := pair(t, listen(t, nil), nil)
			tt.close(t, dialed, accepted)
			waitState(t, dialed, tt.state)
			for range 2 { // the same answer again: nothing was taken
				err := keepalive.Check(dialed)
				assert.ErrorIs(t, err, io.EOF)
				assert.False(t, keepalive.IsPeerGone(err), "an orderly close is not a dead peer: %v", err)
				assert.NotErrorIs(t, err, keepalive.ErrUnanswered)
				var op *net.OpError
				assert.ErrorAs(t, err, &op)
			}
			h, err := keepalive.Inspect(dialed)
			require.NoError(t, err)
			assert.NoError(t, h.Err)
			assert.Equal(t, keepalive.TCPState(tt.state), h.State) // Linux's numbers are TCPState's
		})
	}
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
	// second Check finds a closed connection, as after an orderly close
	// (the kernel keeps nothing that tells them apart).
	assert.Zero(t, soError(t, dialed), "SO_ERROR still pending after Check")
	err = keepalive.Check(dialed)
	assert.ErrorIs(t, err, io.EOF)
	assert.False(t, keepalive.IsPeerGone(err), "%v", err)

	// Read and Write return at once, not at their deadline.
	require.NoError(t, dialed.SetDeadline(time.Now().Add(time.Minute)))
	_, err = dialed.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF)
	_, err = dialed.Write([]byte("x"))
	assert.True(t, keepalive.IsPeerGone(err), "%v", err)
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
	c := keepalive.Config{Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4, UserTimeout: 12345 * time.Millisecond}
	require.NoError(t, keepalive.Set(dialed, c))
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
	assert.Greater(t, h.GivesUpIn, bound-5*time.Second)
	assert.Contains(t, h.String(), "ESTABLISHED")
}

// TestCheckMultipath: Check on both ends of a Multipath TCP connection
// (where the kernel has it; Go falls back to TCP silently elsewhere),
// as Go's listeners make them.
func TestCheckMultipath(t *testing.T) {
	lc := &net.ListenConfig{}
	lc.SetMultipathTCP(true)
	d := &net.Dialer{}
	d.SetMultipathTCP(true)
	for _, reset := range []bool{false, true} {
		dialed, accepted := pair(t, listen(t, lc), d)
		multipath, err := dialed.MultipathTCP()
		require.NoError(t, err)
		t.Logf("Multipath TCP in use: %v", multipath)
		require.NoError(t, keepalive.Check(dialed))
		require.NoError(t, keepalive.Check(accepted))
		h, err := keepalive.Inspect(dialed)
		require.NoError(t, err)
		assert.Equal(t, multipath, h.KeepAlive.Multipath)
		if reset {
			require.NoError(t, accepted.SetLinger(0))
		}
		require.NoError(t, accepted.Close())
		deadline := time.Now().Add(time.Second)
		for err = keepalive.Check(dialed); err == nil && time.Now().Before(deadline); err = keepalive.Check(dialed) {
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("reset %v: %v", reset, err)
		switch {
		case reset:
			assert.True(t, keepalive.IsPeerGone(err), "%v", err)
			assert.ErrorIs(t, err, syscall.ECONNRESET)
		default: // Multipath TCP too: its DATA_FIN, though the subflow stays open

			assert.ErrorIs(t, err, io.EOF)
		}
	}
}

// A pool checks a connection before handing it out again: no round trip,
// nothing read.
func ExampleCheck() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	peer, err := ln.Accept()
	if err != nil {
		panic(err)
	}

	reuse := func(c net.Conn) string {
		switch err := keepalive.Check(c); {
		case err == nil:
			return "reuse it"
		case errors.Is(err, keepalive.ErrUnanswered), keepalive.IsPeerGone(err), errors.Is(err, io.EOF):
			return "discard it: " + err.Error()[strings.LastIndex(err.Error(), ": ")+2:]
		default:
			return "cannot tell: " + err.Error()
		}
	}
	fmt.Println(reuse(conn))
	peer.Close()
	for keepalive.Check(conn) == nil {
		time.Sleep(time.Millisecond) // the FIN is on its way
	}
	fmt.Println(reuse(conn))
	// Output:
	// reuse it
	// discard it: EOF
}
