package netns

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// IPv6 addresses, alongside the IPv4 ones, once AddIPv6 has run.
const (
	ClientAddr6 = "fd77:1::1"
	PeerAddr6   = "fd77:2::1"
	routerC6    = "fd77:1::fe"
	routerP6    = "fd77:2::fe"
)

// AddIPv6 gives the client, the router and the peer IPv6 addresses on
// the same links, and routes between them as for IPv4. The addresses
// skip duplicate address detection (nodad), which would otherwise leave
// them unusable ("tentative") for a second or more.
func (n *Network) AddIPv6() {
	n.t.Helper()
	for _, l := range []struct{ ns, dev, addr string }{
		{n.Client, "c0", ClientAddr6}, {n.Router, "r0", routerC6},
		{n.Router, "r1", routerP6}, {n.Peer, "p0", PeerAddr6},
	} {
		n.ip("-n", l.ns, "addr", "add", l.addr+"/64", "dev", l.dev, "nodad")
	}
	n.ip("-n", n.Client, "-6", "route", "add", "default", "via", routerC6)
	n.ip("-n", n.Peer, "-6", "route", "add", "default", "via", routerP6)
	n.Sysctl(n.Router, "net.ipv6.conf.all.forwarding", "1")
	n.settle()
}

// settle waits until no address in the Network is still tentative: the
// links' own (fe80::) addresses go through duplicate address detection
// when the links come up, and until it ends neighbour discovery on that
// link stalls, so that the first packets of a connection are lost and
// retransmitted, and its RTT estimate, hence its RTO, is inflated.
func (n *Network) settle() {
	n.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tentative := ""
		for _, ns := range []string{n.Client, n.Router, n.Peer} {
			out, err := exec.Command("ip", "-n", ns, "-6", "addr", "show", "tentative").CombinedOutput()
			if err != nil {
				n.t.Fatalf("ip -n %s -6 addr show tentative: %v: %s", ns, err, out)
			}
			tentative += strings.TrimSpace(string(out))
		}
		if tentative == "" {
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("IPv6 addresses still tentative after 10s: %s", tentative)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CutWith makes the peer vanish as Cut does, for IPv4 and IPv6, with
// routes of the given kind in the router for the peer's addresses:
// "blackhole" drops silently, as Cut; "unreachable" and "prohibit" drop
// and answer each packet with an ICMP error (IPv4: host unreachable,
// administratively prohibited; IPv6: no route, administratively
// prohibited), as the last router before a host that went down does.
// Everything that comes from the peer's side is dropped by a policy rule
// on the router's link to the peer, so the peer hears nothing while the
// router's own ICMP errors still reach the client.
func (n *Network) CutWith(kind string) {
	n.t.Helper()
	// One ip process for all four changes: the cut takes effect at once,
	// for both families, not one ip command's start-up after another.
	batch := fmt.Sprintf("route add %[1]s %[2]s/32\nroute add %[1]s %[3]s/128\nrule add from 0.0.0.0/0 iif r1 blackhole\nrule add from ::/0 iif r1 blackhole\n",
		kind, PeerAddr, PeerAddr6)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "-n", n.Router, "-batch", "-")
	cmd.Stdin = strings.NewReader(batch)
	if out, err := cmd.CombinedOutput(); err != nil {
		n.t.Fatalf("ip -n %s -batch: %v: %s\n%s", n.Router, err, out, batch)
	}
}

// Sysctl sets a sysctl (dotted: "net.mptcp.close_timeout") in namespace
// ns, one of this Network's, and checks that it holds.
func (n *Network) Sysctl(ns, key, value string) {
	n.t.Helper()
	n.run("ip", "netns", "exec", ns, "sh", "-c", `echo "$1" > "$2"`, "sh", value, sysctlPath(key))
	if got := n.ReadSysctl(ns, key); got != value {
		n.t.Fatalf("sysctl %s in %s: set %q, reads %q", key, ns, value, got)
	}
}

// ReadSysctl reads a sysctl in namespace ns.
func (n *Network) ReadSysctl(ns, key string) string {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "cat", sysctlPath(key)).CombinedOutput()
	if err != nil {
		n.t.Fatalf("reading sysctl %s in %s: %v: %s", key, ns, err, out)
	}
	return strings.TrimSpace(string(out))
}

func sysctlPath(key string) string {
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
}
