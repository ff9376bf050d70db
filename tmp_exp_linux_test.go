package keepalive_test

import (
	"os/exec"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func TestIntegrationTmpExp(t *testing.T) {
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 2}
	n := netns.New(t)
	multipath(t)(n)
	peer := n.Start(n.Peer, netns.End{How: "wrap", Config: c.String(), Mode: "idle", Listen: "0.0.0.0:7777"})
	peer.Expect("ready", 10*time.Second)
	client := n.Start(n.Client, netns.End{How: "keepalive", Config: c.String(), Mode: "idle", Multipath: true, Dial: peerAddr})
	client.Expect("exchanged", 10*time.Second)
	peer.Expect("exchanged", 10*time.Second)
	cut := time.Now()
	n.Cut()
	for range 16 {
		out, _ := exec.Command("ip", "netns", "exec", n.Peer, "ss", "-tanoiH", "state", "all").CombinedOutput()
		out2, _ := exec.Command("ip", "netns", "exec", n.Peer, "ss", "-ManoiH").CombinedOutput()
		t.Logf("%v\nTCP %s\nMPTCP %s", time.Since(cut).Round(time.Millisecond), out, out2)
		if line, err := peer.Wait("result", time.Second); err == nil {
			t.Log("result", time.Since(cut), line)
			break
		}
	}
}
