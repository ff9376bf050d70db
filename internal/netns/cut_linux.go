package netns

import "fmt"

// Cut makes the peer vanish: the router drops everything between the two
// hosts, without a word to either.
func (n *Network) Cut() {
	n.t.Helper()
	n.ip("-n", n.Router, "route", "add", "blackhole", PeerAddr+"/32")
	n.ip("-n", n.Router, "route", "add", "blackhole", ClientAddr+"/32")
}

// A Drop is the kind of route CutWith gives the router for the peer's
// addresses: the ip route type of the same name.
type Drop uint8

const (
	// Blackhole drops silently, as Cut does.
	Blackhole Drop = iota + 1
	// Unreachable drops and answers each packet with an ICMP host
	// unreachable (IPv6: no route).
	Unreachable
	// Prohibit drops and answers each packet with an ICMP
	// administratively prohibited.
	Prohibit
)

// String is the route type's name in ip route.
func (d Drop) String() string {
	switch d {
	case Blackhole:
		return "blackhole"
	case Unreachable:
		return "unreachable"
	case Prohibit:
		return "prohibit"
	}
	return fmt.Sprintf("Drop(%d)", uint8(d))
}

// CutWith makes the peer vanish as Cut does, for IPv4 and IPv6, with
// routes of kind drop in the router for the peer's addresses: Blackhole
// drops silently, as Cut; Unreachable and Prohibit answer each packet
// with an ICMP error, as the last router before a host that went down
// does. Everything that comes from the peer's side is dropped by a
// policy rule on the router's link to the peer, so the peer hears
// nothing while the router's own ICMP errors still reach the client.
func (n *Network) CutWith(drop Drop) {
	n.t.Helper()
	if drop < Blackhole || drop > Prohibit {
		n.t.Fatalf("CutWith(%v): not a Drop", drop)
	}
	// One ip process for all four changes: the cut takes effect at once,
	// for both families, not one ip command's start-up after another.
	batch := fmt.Sprintf("route add %[1]s %[2]s/32\nroute add %[1]s %[3]s/128\nrule add from 0.0.0.0/0 iif r1 blackhole\nrule add from ::/0 iif r1 blackhole\n",
		drop, PeerAddr, PeerAddr6)
	n.runIn(batch, "ip", "-n", n.Router, "-batch", "-")
}

// CutAddr makes the host at addr, one of the peer's addresses (see
// AddPeerAddr), vanish while the others stay: the router drops, without
// a word, what is routed to addr and what comes from it.
func (n *Network) CutAddr(addr string) {
	n.t.Helper()
	n.ip("-n", n.Router, "route", "add", "blackhole", addr+"/32")
	n.ip("-n", n.Router, "rule", "add", "from", addr+"/32", "blackhole")
}

// CutFirstPath makes the client's first address vanish, as a pulled
// cable on its link does: the router drops what comes from it and what
// goes to it. The second path (AddSecondPath) still works.
func (n *Network) CutFirstPath() {
	n.t.Helper()
	n.ip("-n", n.Router, "route", "add", "blackhole", ClientAddr+"/32")
	n.ip("-n", n.Router, "rule", "add", "from", ClientAddr, "blackhole")
}
