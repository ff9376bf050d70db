package keepalive_test

// The Linux tests' shared scaffolding: the Config they ask for, the
// kernel's reading of a socket, sysctls, and sockets of other kinds.

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// What the tests ask for, and what the kernel holds for a socket, read
// with getsockopt by the test itself (internal/sockettest, shared with
// internal/integration's tests).
var (
	cfg        = sockettest.Config
	ours       = sockettest.Ours
	readKernel = sockettest.ReadKernel
)

type kernel = sockettest.Kernel

// goDefaults is what Go's own keep-alive leaves on a socket.
var goDefaults = kernel{Protocol: unix.IPPROTO_TCP, KeepAlive: true, Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 9, UserTimeout: 0}

// fdCount is how many descriptors this process holds.
func fdCount(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// sysctl reads one of the namespace's integer settings, named as
// sysctl(8) names it (net.ipv4.tcp_keepalive_time).
func sysctl(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return n
}

// unixPair returns two connected unix sockets, closed at the end of the
// test.
func unixPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	require.NoError(t, err)
	defer ln.Close()
	c1, err := net.Dial("unix", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c1.Close() })
	c2, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { c2.Close() })
	return c1, c2
}

// countingRC is a real socket's RawConn that counts the hooks' Control
// calls: one per layer of the library's hook that sets an option.
type countingRC struct {
	syscall.RawConn
	calls *atomic.Int32
}

func (c countingRC) Control(f func(fd uintptr)) error {
	c.calls.Add(1)
	return c.RawConn.Control(f)
}

// rawOf returns the RawConn of a fresh loopback TCP connection.
func rawOf(t *testing.T) syscall.RawConn {
	t.Helper()
	dialed, _ := pair(t, listen(t, nil), nil)
	rc, err := dialed.SyscallConn()
	require.NoError(t, err)
	return rc
}
