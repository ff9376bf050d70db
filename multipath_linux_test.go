package keepalive_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sysctlMPTCP reads one of the namespace's net.mptcp sysctls.
func sysctlMPTCP(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/mptcp/" + name)
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
