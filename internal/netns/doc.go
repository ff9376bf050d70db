// Package netns builds a small test network of Linux network namespaces,
// client — router — peer, in which a peer can be made to vanish the way a
// pulled cable or a crashed host vanishes: the router silently drops
// traffic both ways (blackhole routes), so the client's kernel sees
// nothing at all. It is test tooling for this module, not API.
//
// Every address is inside namespaces the harness creates; nothing is sent
// anywhere else. Namespaces are removed when the test ends, pass or fail.
//
// It is Linux only: elsewhere the package is empty.
package netns
