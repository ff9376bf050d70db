package netns

import (
	"fmt"
	"os/exec"
	"time"
)

// A Middlebox makes the router what sits between most clients and
// servers in a cloud: a NAT gateway and stateful firewall that forgets a
// TCP flow idle for IdleTimeout. The next packet of a forgotten flow is
// dropped, without a word, like an AWS NAT gateway or load balancer
// does; with Reset it is answered with a TCP reset instead, like an
// Azure load balancer with "TCP reset on idle" (which also resets at the
// moment it forgets; this one waits for the next packet).
type Middlebox struct {
	IdleTimeout time.Duration // conntrack's established TCP timeout, whole seconds, at least 1s
	Reset       bool
}

// Middlebox turns the router into m: it masquerades the client's flows
// as its own address on the peer's side (so the peer sees the router,
// 10.77.2.254, as its client), tracks them with conntrack, and drops or
// resets the packets conntrack finds invalid: those of flows it forgot,
// since nf_conntrack_tcp_loose=0 keeps it from picking a flow up again
// in mid-stream. The sysctls are the router namespace's own.
func (n *Network) Middlebox(m Middlebox) {
	n.t.Helper()
	NeedNFT(n.t)
	secs := int(m.IdleTimeout / time.Second)
	if secs < 1 || m.IdleTimeout%time.Second != 0 {
		n.t.Fatalf("middlebox idle timeout %v: want whole seconds, at least 1s", m.IdleTimeout)
	}
	invalid := "ct state invalid drop"
	if m.Reset {
		invalid = "ct state invalid meta l4proto tcp reject with tcp reset\n    ct state invalid drop"
	}
	// r1 is the router's end of the link to the peer (see New). The
	// peer's packets of a forgotten flow are addressed to the router
	// itself (masquerade) and meet the input hook, not forward: the same
	// rule there treats both directions alike.
	rules := fmt.Sprintf(`table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "r1" masquerade
  }
}
table inet mb {
  chain fw {
    type filter hook forward priority 0; policy accept;
    %[1]s
  }
  chain in {
    type filter hook input priority 0; policy accept;
    %[1]s
  }
}
`, invalid)
	n.runIn(rules, "ip", "netns", "exec", n.Router, "nft", "-f", "-")
	// The conntrack sysctls exist once nf_conntrack is loaded; the rules
	// above, which use ct, load it.
	for _, s := range []struct{ name, value string }{
		{"nf_conntrack_tcp_timeout_established", fmt.Sprint(secs)},
		{"nf_conntrack_tcp_loose", "0"},
	} {
		n.run("ip", "netns", "exec", n.Router, "sh", "-c",
			fmt.Sprintf("echo %s > /proc/sys/net/netfilter/%s && test \"$(cat /proc/sys/net/netfilter/%s)\" = %s", s.value, s.name, s.name, s.value))
	}
}

// Conntrack returns the router's conntrack table, for test logs: what
// the middlebox remembers.
func (n *Network) Conntrack() string {
	out, err := exec.Command("ip", "netns", "exec", n.Router, "cat", "/proc/net/nf_conntrack").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(no conntrack table: %v: %s)", err, out)
	}
	return string(out)
}
