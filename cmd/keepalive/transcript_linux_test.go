package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestTranscript prints the transcript in docs/command.md of the command, when asked:
// KEEPALIVE_TRANSCRIPT=text (or =json) go test -run TestTranscript -v ./cmd/keepalive
// (root). keepalive -listen runs in the peer namespace, keepalive -connect
// -hold in the client's, and the path is cut three seconds in, after
// the first keep-alive probe (at idle, 2s) was answered. It checks only
// that both ends saw the connection die; the integration test
// TestIntegrationConnectDeadPeer holds the times to their bounds.
func TestTranscript(t *testing.T) {
	form := os.Getenv("KEEPALIVE_TRANSCRIPT")
	if form != "text" && form != "json" {
		t.Skip("skipping: prints docs/command.md's transcript with KEEPALIVE_TRANSCRIPT=text or =json")
	}
	n := netns.New(t)
	addr := netns.PeerAddr + ":7777"
	cfg := "idle=2s,interval=1s,count=3"
	listenArgs := []string{"-listen", addr, "-config", cfg}
	connectArgs := []string{"-connect", addr, "-config", cfg, "-hold", "1m", "-every", "1s"}
	if form == "json" {
		listenArgs, connectArgs = append([]string{"-json"}, listenArgs...), append([]string{"-json"}, connectArgs...)
	}
	var listenOut, connectOut bytes.Buffer
	listener := startIn(t, n.Peer, listenArgs, &listenOut)
	time.Sleep(500 * time.Millisecond)
	client := startIn(t, n.Client, connectArgs, &connectOut)
	time.Sleep(3 * time.Second)
	n.Cut()
	waitOrKill(client, 20*time.Second)
	time.Sleep(500 * time.Millisecond)
	listener.Process.Signal(os.Interrupt) // Ctrl-C
	waitOrKill(listener, 5*time.Second)

	fmt.Printf("$ keepalive %s\n%s\n$ keepalive %s\n%s", strings.Join(connectArgs, " "), &connectOut, strings.Join(listenArgs, " "), &listenOut)
	require.Contains(t, connectOut.String(), "ETIMEDOUT")
	require.Contains(t, listenOut.String(), "ETIMEDOUT")
}

// startIn starts the test binary as the command, with args, in namespace
// ns; it is killed at the end of the test if still running.
func startIn(t *testing.T, ns string, args []string, out *bytes.Buffer) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	spec, err := json.Marshal(args)
	require.NoError(t, err)
	env, err := netns.Env(netns.Call{Name: "keepalive", Arg: string(spec)})
	require.NoError(t, err)
	cmd := exec.Command("ip", "netns", "exec", ns, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { waitOrKill(cmd, 0) })
	return cmd
}

// waitOrKill waits up to timeout for cmd to end, then kills it.
func waitOrKill(cmd *exec.Cmd, timeout time.Duration) {
	if cmd.ProcessState != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}
