// Package keepalive makes TCP connections notice a dead peer — a pulled
// cable, a crashed host, a NAT or load balancer that silently dropped an
// idle flow — in seconds instead of hours, and proves it by reading the
// values back from the kernel.
//
//	cfg := keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}
//	ln, err := keepalive.Listen(ctx, "tcp", ":8080", cfg)     // every system, every accepted connection
//	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))     // or WithKeepalive(cfg)(yourDialer)
//	keepalive.ConfigureListenConfig(lc, cfg)                   // your own net.ListenConfig
//	ln = keepalive.WrapListener(existing, cfg)                 // listeners built elsewhere
//	err = keepalive.Set(conn, cfg)                             // connections you already have
//	state, err := keepalive.Get(conn)                          // what the kernel holds; state.Timeout()
//	err = keepalive.Check(conn)                                // before reuse: nil, ErrUnanswered, peer gone, io.EOF
//
// # Why not net.KeepAliveConfig
//
// Go's Dialer and ListenConfig set their own keep-alive values (15s, 15s,
// 9 probes when KeepAlive is zero) after any Control hook has run, so
// values set from a hook are overwritten. This package gives dialers the
// values through Go's own KeepAliveConfig (and only the user timeout,
// which Go has no field for, through a hook), and on Linux turns Go's per-accept
// keep-alive off on listeners, whose accepted sockets inherit the values
// from the listening socket. Keep-alive alone never fires while sent data is
// unacknowledged, so a busy connection to a dead peer lives about 15
// minutes on Linux: Config.UserTimeout (TCP_USER_TIMEOUT) bounds that,
// and Config documents how it interacts with Count. Since Go 1.24 Linux
// listeners are Multipath TCP, whose sockets refuse TCP_USER_TIMEOUT and
// outlive their dead subflows by net.mptcp.close_timeout: Listen and
// ConfigureListenConfig listen with plain TCP unless Multipath TCP is
// asked for, Listener reports each Multipath TCP connection, and
// State.Timeout gives the bound a connection really holds.
//
// # Systems
//
// The package builds on every system Go runs TCP on. Each sets what its
// kernel has, natively, with the kernel's own options, units and limits:
// all of them on Linux, Android, darwin, FreeBSD, illumos, Oracle
// Solaris 11.4 and Windows 10 1709 and later, fewer elsewhere, none on
// js and wasip1. Validate checks the running system's limits. What a
// system lacks is an error wrapping errors.ErrUnsupported that names the
// field and the system; only a zero field, Go's default, is left to the
// system where the system cannot set it, so that Config{} works
// everywhere. Get reads the values back wherever getsockopt can.
// docs/systems.md gives each system's options, units, limits and
// sources, and which ones accepted sockets inherit from their listener:
// Listen and ConfigureListenConfig set those once on the listening
// socket, and the rest on each accepted connection.
//
// # When a peer dies
//
// A dead idle peer is noticed after Config.Timeout; a busy one after
// UserTimeout plus one retransmission timeout, or later when the writer
// keeps sending new data, which postpones that timeout
// (docs/behaviour.md#a-writer-that-keeps-sending). The kernel hands the
// error, ETIMEDOUT, to the first call that looks and then clears it: a
// second reader or a concurrent writer sees io.EOF or EPIPE instead.
// Within picks a Config for a detection bound.
//
// The kernel knows earlier: Check reports, without a round trip, a
// connection whose keep-alive probes or retransmissions go unanswered
// (ErrUnanswered) before the kernel gives up, and Inspect gives the
// readings behind it (docs/behaviour.md).
//
// # Middleboxes
//
// NAT gateways, load balancers and stateful firewalls forget a flow that
// stays idle past their timeout, and drop or reset what comes next.
// Config.Under adjusts a Config so that its probes keep such a flow
// alive, without a longer detection bound; cmd/keepalive's
// -find-idle-timeout measures a path's timeout.
//
// # Errors
//
// Bad input is refused before anything is set, with a *ConfigError that
// names the field and the limit. Set and Get return *net.OpError values;
// errors from the kernel are *os.SyscallError values that name the
// option, such as "setsockopt TCP_KEEPCNT: invalid argument".
package keepalive
