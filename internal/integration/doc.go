// Package integration proves, through the public API only and on real
// Linux kernels, what the package keepalive promises on the paths a user
// takes: that a dead peer is noticed within Config.Timeout whether the
// connection is idle or busy, dialed or accepted, plain or Multipath TCP,
// over IPv4 or IPv6 (deadpeer, paths, multipath); which errors a gone
// peer produces and that IsPeerGone names them (peergone); what Check
// and Inspect report before the kernel gives up (check); that Under
// keeps a flow alive through a NAT that forgets idle flows (middlebox);
// how many setsockopt calls and allocations each way of connecting
// costs (syscalls, bench); and what the Windows code sets, run under
// Wine and read from the Linux side (wine).
//
// The tests named TestIntegration* build client — router — peer
// networks of namespaces with internal/netns and need root; elsewhere
// they skip, and the summary line counts them. The package has no code
// of its own: only tests. Run them with
//
//	sudo go test -count=1 -v ./internal/integration
//
// (go test ./... from the repository's root includes them). Tests that
// need the library's unexported internals stay in the root package.
package integration
