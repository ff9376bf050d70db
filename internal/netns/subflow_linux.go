package netns

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

// CutFirstPath makes the client's first address vanish, as a pulled
// cable on its link does: the router drops what comes from it and what
// goes to it. The second path (AddSecondPath) still works.
func (n *Network) CutFirstPath() {
	n.t.Helper()
	n.ip("-n", n.Router, "route", "add", "blackhole", ClientAddr+"/32")
	n.ip("-n", n.Router, "rule", "add", "from", ClientAddr, "blackhole")
}
