// Package netns builds a small test network of Linux network namespaces,
// client — router — peer, in which a peer can be made to vanish the way a
// pulled cable or a crashed host vanishes: the router silently drops
// traffic both ways (blackhole routes), so the client's kernel sees
// nothing at all. It is test tooling for this module, not API.
//
// NewDelayed builds the same network with a delay line in the router
// (this kernel has no netem): the router routes every IPv4 packet between
// the hosts into one of two TUN devices, d0 (client to peer) and d1 (peer
// to client), and the test process writes each back into the other
// device after the one-way delay, in order. Its Link changes the delay
// (SetDelay), drops a share of the packets at random (SetLoss), and
// counts what it passed and dropped. Cut and Middlebox work on it as on
// any Network (the router's main table, where Cut's blackholes go, routes
// the packets the line hands back); IPv6 does not cross the line. For
// random loss without delay, nftables' `numgen random mod 100 < N drop`
// in the router (Loss) is the other way.
//
// AddSecondPath joins the client to the router by a second link, with a
// second address that is a Multipath TCP subflow endpoint; CutFirstPath
// cuts the first link alone, so that a Multipath TCP connection carries
// on over its second subflow.
//
// A test runs its own code inside the network in one of two ways: In
// runs a function on a thread in a namespace (Connect uses it to hand the
// test both ends of a connection), and Start runs the test binary again
// in a namespace, playing a Role: an End (dial or listen,
// then idle or busy until the connection fails), a Flow (quiet, then
// talk again, through a Middlebox), or a Call (a client library's call,
// registered by name). Such a binary calls Play first in its TestMain.
//
// Every address is inside namespaces the harness creates; nothing is sent
// anywhere else. Namespaces are removed when the test ends, pass or fail.
//
// Integration tests are counted: Track, Skip, New, NeedNFT and Missing
// record each test, and a TestMain running the tests under Summarised
// prints how many ran and which skipped, why, and fails the run on a
// skip under CI=true or KEEPALIVE_NO_SKIP=1.
//
// # Files
//
// The network: network_linux.go (New, In, the namespaces),
// connect_linux.go (a connection across it, both ends the test's), addr_linux.go
// (more addresses: IPv6, a second peer address, a second path),
// cut_linux.go (the ways a peer vanishes), sysctl_linux.go,
// middlebox_linux.go (NAT and conntrack, nftables), loss_linux.go
// (random loss, nftables), delay_linux.go (the TUN delay line).
//
// The processes: process_linux.go (Process: its lines, Wait, Kill),
// command_linux.go (Exec: a real program), play_linux.go (Role, Start,
// Play: the one way the test binary runs again), end_linux.go and
// report_linux.go (End and its Result), flow_linux.go (Flow),
// how_linux.go (How an End or Flow configures its socket), call_linux.go
// (Call and its Outcome), cutcheck_linux.go (CutAndCheck: calls in
// flight when the peer vanishes).
//
// Servers: postgres_linux.go, mariadb_linux.go, prometheus_linux.go,
// serveruser_linux.go (their directories and users). The workloads the
// pool modules' tests share: sqlpool_linux.go (database/sql: a dead
// server's calls, a forgotten flow's), churn_linux.go (pools under loss:
// needless discards).
//
// Counting: tally.go (Track, Skip, Summarised; every system),
// need_linux.go (Available, NeedNFT, Missing).
//
// It is Linux only: elsewhere only the tally is built.
package netns
