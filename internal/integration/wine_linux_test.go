package integration_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestWineKeepaliveVals runs the Windows test binary's TestNativeHold
// under Wine and reads, from the Linux side, what the Windows code's
// socket holds: Wine keeps a Windows socket as a host socket in its
// process, and maps SIO_KEEPALIVE_VALS (the path the library takes
// before Windows 10 1709, and under Wine 8.0, which refuses
// TCP_KEEPIDLE) onto SO_KEEPALIVE, TCP_KEEPIDLE and TCP_KEEPINTVL in
// whole seconds. The socket is found by its address in /proc/net/tcp
// and its inode in /proc/PID/fd, copied into this process with
// pidfd_getfd (Linux 5.6, root or ptrace rights), and read with
// getsockopt. .ci/run builds the binary, prepares the Wine prefix and
// sets KEEPALIVE_WINE_TEST.
func TestWineKeepaliveVals(t *testing.T) {
	exe := os.Getenv("KEEPALIVE_WINE_TEST")
	if exe == "" {
		t.Skip("KEEPALIVE_WINE_TEST unset: the Windows test binary (GOOS=windows go test -c) to run under wine; .ci/run sets it")
	}
	wine, err := exec.LookPath("wine")
	require.NoError(t, err, "KEEPALIVE_WINE_TEST is set, so wine must be installed")

	ln := listen(t, nil)
	cmd := exec.Command(wine, exe, "-test.run", "^TestNativeHold$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "KEEPALIVE_HOLD_ADDR="+ln.Addr().String(), "WINEDEBUG=-all")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waited := false
	t.Cleanup(func() {
		if !waited {
			cmd.Process.Kill()
			<-done
		}
	})

	require.NoError(t, ln.(*net.TCPListener).SetDeadline(time.Now().Add(2*time.Minute)))
	conn, err := ln.Accept()
	require.NoError(t, err, "wine: %s", &out)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Minute)))
	r := bufio.NewReader(conn)
	expect := func(line string) {
		t.Helper()
		got, err := r.ReadString('\n')
		require.NoError(t, err, "wine: %s", &out)
		require.Equal(t, line+"\n", got)
	}

	expect("dialed")
	assert.Equal(t, peerKeepalive{true, 37 * time.Second, 11 * time.Second}, readPeer(t, conn),
		"WithKeepalive: Go's SIO_KEEPALIVE_VALS with the Config's values")
	_, err = conn.Write([]byte("next\n"))
	require.NoError(t, err)
	expect("set")
	assert.Equal(t, peerKeepalive{true, 2 * time.Hour, 3 * time.Second}, readPeer(t, conn),
		"Set: the library's SIO_KEEPALIVE_VALS, Windows' default idle time for System")
	_, err = conn.Write([]byte("done\n"))
	require.NoError(t, err)

	err = <-done
	waited = true
	require.NoError(t, err, "wine: %s", &out)
	assert.Contains(t, out.String(), "--- PASS: TestNativeHold")
}

// peerKeepalive is what the Linux kernel holds for a socket.
type peerKeepalive struct {
	On             bool
	Idle, Interval time.Duration
}

// readPeer reads keep-alive from the socket at the other end of conn,
// held by another process on this host.
func readPeer(t *testing.T, conn net.Conn) peerKeepalive {
	t.Helper()
	inode := tcpInode(t, conn.RemoteAddr().(*net.TCPAddr), conn.LocalAddr().(*net.TCPAddr))
	pid, fd := socketHolder(t, inode)
	pidfd, err := unix.PidfdOpen(pid, 0)
	require.NoError(t, err)
	defer unix.Close(pidfd)
	sock, err := unix.PidfdGetfd(pidfd, fd, 0)
	require.NoError(t, err, "pidfd_getfd needs root or ptrace rights over process %d", pid)
	defer unix.Close(sock)
	get := func(level, opt int) int {
		v, err := unix.GetsockoptInt(sock, level, opt)
		require.NoError(t, err)
		return v
	}
	return peerKeepalive{
		On:       get(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0,
		Idle:     time.Duration(get(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)) * time.Second,
		Interval: time.Duration(get(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)) * time.Second,
	}
}

// tcpInode finds the inode of the IPv4 TCP socket bound to local and
// connected to remote in /proc/net/tcp.
func tcpInode(t *testing.T, local, remote *net.TCPAddr) string {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	require.NoError(t, err)
	hexAddr := func(a *net.TCPAddr) string {
		ip := a.IP.To4()
		require.NotNil(t, ip)
		// The address is the in-memory u32, little-endian on the hosts
		// CI runs on; the port is big-endian hex.
		return strings.ToUpper(hex.EncodeToString([]byte{ip[3], ip[2], ip[1], ip[0]})) + fmt.Sprintf(":%04X", a.Port)
	}
	want := hexAddr(local) + " " + hexAddr(remote)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1]+" "+f[2] == want {
			return f[9]
		}
	}
	t.Fatalf("no socket %v -> %v in /proc/net/tcp", local, remote)
	return ""
}

// socketHolder finds a process, other than this one, holding the socket
// with the given inode, and its descriptor there.
func socketHolder(t *testing.T, inode string) (pid, fd int) {
	t.Helper()
	target := "socket:[" + inode + "]"
	links, err := filepath.Glob("/proc/[0-9]*/fd/*")
	require.NoError(t, err)
	for _, l := range links {
		if dest, err := os.Readlink(l); err != nil || dest != target {
			continue
		}
		parts := strings.Split(l, "/") // "", "proc", PID, "fd", FD
		pid, _ = strconv.Atoi(parts[2])
		fd, _ = strconv.Atoi(parts[4])
		if pid != os.Getpid() {
			return pid, fd
		}
	}
	t.Fatalf("no process holds %s", target)
	return 0, 0
}
