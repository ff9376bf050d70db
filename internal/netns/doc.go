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
// in the router (Middlebox) is the other way.
//
// AddSecondPath joins the client to the router by a second link, with a
// second address that is a Multipath TCP subflow endpoint; CutFirstPath
// cuts the first link alone, so that a Multipath TCP connection carries
// on over its second subflow.
//
// Every address is inside namespaces the harness creates; nothing is sent
// anywhere else. Namespaces are removed when the test ends, pass or fail.
//
// It is Linux only: elsewhere the package is empty.
package netns
