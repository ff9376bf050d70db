package netns

import (
	"os/exec"
	"strings"
	"time"
)

// AddPeerAddr gives the peer another address on its link, addr (in
// 10.77.2.0/24, not one of the harness's), so that one peer namespace
// can play several hosts, each cut on its own by CutAddr.
func (n *Network) AddPeerAddr(addr string) {
	n.t.Helper()
	n.ip("-n", n.Peer, "addr", "add", addr+"/24", "dev", "p0")
}

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

// ClientAddr2 is the client's second address, on a second link to the
// router, that AddSecondPath adds.
const ClientAddr2 = "10.77.3.1"

const routerC2 = "10.77.3.254"

// AddSecondPath joins the client to the router by a second veth pair
// (client c1, ClientAddr2), routes what leaves from ClientAddr2 over it,
// and makes it a Multipath TCP subflow endpoint: a Multipath TCP
// connection from the client then opens a second subflow over it.
// CutPath cuts the first path alone.
func (n *Network) AddSecondPath() {
	n.t.Helper()
	n.ip("link", "add", "c1", "netns", n.Client, "type", "veth", "peer", "name", "r2", "netns", n.Router)
	n.ip("-n", n.Client, "addr", "add", ClientAddr2+"/24", "dev", "c1")
	n.ip("-n", n.Router, "addr", "add", routerC2+"/24", "dev", "r2")
	n.ip("-n", n.Client, "link", "set", "c1", "up")
	n.ip("-n", n.Router, "link", "set", "r2", "up")
	n.ip("-n", n.Client, "rule", "add", "from", ClientAddr2, "lookup", "200")
	n.ip("-n", n.Client, "route", "add", "default", "via", routerC2, "dev", "c1", "table", "200")
	for _, ns := range []string{n.Client, n.Peer} {
		n.ip("-n", ns, "mptcp", "limits", "set", "subflows", "4", "add_addr_accepted", "4")
	}
	n.ip("-n", n.Client, "mptcp", "endpoint", "add", ClientAddr2, "dev", "c1", "subflow")
}
