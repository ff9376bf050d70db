package keepalive

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The tables: for every system Go runs TCP on, which socket options
// carry each Config field, with which number, in which unit and within
// which limits (the Unix systems' here, the others' in
// platform_nonunix.go). They are built on every system, so that the tests
// running on Linux check every system's conversions and choices; each
// system's sockopt or options file picks the running system's table,
// and makes the system calls.

// tableFor is the table of the system runtime.GOOS names, where the
// table does not depend on what the running system accepts (Windows
// tries its options: options_windows.go). release is what the
// function release reads where the table depends on the release:
// DragonFly's kern.osreldate, Oracle Solaris's uname version; it is
// empty elsewhere, or where it cannot be read.
func tableFor(goos, release string) *sockopts {
	switch goos {
	case "linux", "android":
		return linuxOptions
	case "darwin", "ios":
		return darwinOptions
	case "freebsd":
		return freebsdOptions
	case "netbsd":
		return netbsdOptions
	case "dragonfly":
		return dragonflyFor(release)
	case "openbsd":
		return openbsdOptions
	case "illumos":
		return illumosOptions
	case "solaris":
		return solarisFor(release)
	case "aix":
		return aixOptions
	case "plan9":
		return plan9Options
	}
	return noOptions(goos)
}

// The option numbers. Every table but Linux's and Windows' holds its
// system's numbers; TestTableNumbers checks each against
// golang.org/x/sys's constant of the same name for that system, and
// TestTablesMatchXSys the ones x/sys lacks or has wrong (FreeBSD's
// TCP_MAXUNACKTIME, Oracle Solaris 11.4's keep-alive options) against
// their sources. Linux's numbers come from x/sys for the running
// architecture (options_linux.go), Windows' from x/sys/windows
// (options_windows.go), and SOL_SOCKET and SO_KEEPALIVE from x/sys
// everywhere (native).
const (
	ipprotoTCP = 0x6 // the same on every system
	maxInt32   = math.MaxInt32
	maxUint32  = math.MaxUint32
)

// keepAliveOpt is SO_KEEPALIVE, as every table lists it.
var keepAliveOpt = sockopt{name: "SO_KEEPALIVE", min: 0, max: 1, inherited: true}

// linuxOptions: include/net/tcp.h (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL,
// MAX_TCP_KEEPCNT) and do_tcp_setsockopt in net/ipv4/tcp.c, which takes
// TCP_USER_TIMEOUT as a non-negative int of milliseconds.
// inet_csk_clone_lock copies the whole socket to an accepted one.
var linuxOptions = &sockopts{
	os:          "linux",
	keepAlive:   keepAliveOpt,
	idle:        sockopt{name: "TCP_KEEPIDLE", unit: time.Second, min: 1, max: 32767, inherited: true, goUnit: time.Second},
	interval:    sockopt{name: "TCP_KEEPINTVL", unit: time.Second, min: 1, max: 32767, inherited: true, goUnit: time.Second},
	count:       sockopt{name: "TCP_KEEPCNT", min: 1, max: 127, inherited: true, goUnit: 1},
	userTimeout: sockopt{name: "TCP_USER_TIMEOUT", unit: time.Millisecond, max: maxInt32, inherited: true},
	readBack:    true,
}

// darwinOptions: xnu bsd/netinet/tcp.h for the numbers, and
// bsd/netinet/tcp_usrreq.c (tcp_ctloutput), which takes TCP_KEEPALIVE
// and TCP_KEEPINTVL in seconds up to UINT32_MAX/TCP_RETRANSHZ (1000) and
// TCP_KEEPCNT up to INT32_MAX. For TCP_RXT_CONNDROPTIME the kernel
// checks only optval < 0 and stores optval * TCP_RETRANSHZ in a u_int32_t
// (t_rxt_conndroptime): the cap of UINT32_MAX/1000 seconds is the
// library's, so that the product does not wrap. tcp_input.c gives a
// socket accepted from the syncache the listener's t_keepintvl and
// t_keepcnt but the system's t_keepidle, and no t_rxt_conndroptime, so
// idle is set on each accepted connection.
var darwinOptions = &sockopts{
	os:          "darwin",
	keepAlive:   keepAliveOpt,
	idle:        sockopt{name: "TCP_KEEPALIVE", level: ipprotoTCP, num: 0x10, unit: time.Second, min: 1, max: maxUint32 / 1000, goUnit: time.Second},
	interval:    sockopt{name: "TCP_KEEPINTVL", level: ipprotoTCP, num: 0x101, unit: time.Second, min: 1, max: maxUint32 / 1000, inherited: true, goUnit: time.Second},
	count:       sockopt{name: "TCP_KEEPCNT", level: ipprotoTCP, num: 0x102, min: 1, max: maxInt32, inherited: true, goUnit: 1},
	userTimeout: sockopt{name: "TCP_RXT_CONNDROPTIME", level: ipprotoTCP, num: 0x80, unit: time.Second, max: maxUint32 / 1000},
	readBack:    true,
}

// freebsdOptions: sys/netinet/tcp.h for the numbers and
// tcp_default_ctloutput in sys/netinet/tcp_usrreq.c, which takes these
// timers in seconds, refusing more than UINT_MAX/hz (hz is 1000 by
// default). syncache_socket in sys/netinet/tcp_syncache.c copies the
// keep-alive timers to the accepted socket ("Copy and activate timers").
//
// TCP_MAXUNACKTIME (68 = 0x44; golang.org/x/sys exports it for riscv64
// only) is in tcp.h since FreeBSD 13.1, but the base stack's
// tcp_default_ctloutput handled it only in a later release, not pinned
// down here: a kernel that refuses it (ENOPROTOOPT) is detected when it
// is set, and reported (refusedError) after the other options were set.
// Current releases' syncache_socket copies t_maxunacktime too, older
// ones do not, and a socket cannot tell which it runs on, so the user
// timeout is not counted as inherited: ListenConfig refuses it and
// WrapListener sets it on each connection.
var freebsdOptions = &sockopts{
	os:          "freebsd",
	keepAlive:   keepAliveOpt,
	idle:        sockopt{name: "TCP_KEEPIDLE", level: ipprotoTCP, num: 0x100, unit: time.Second, min: 1, max: maxUint32 / 1000, inherited: true, goUnit: time.Second},
	interval:    sockopt{name: "TCP_KEEPINTVL", level: ipprotoTCP, num: 0x200, unit: time.Second, min: 1, max: maxUint32 / 1000, inherited: true, goUnit: time.Second},
	count:       sockopt{name: "TCP_KEEPCNT", level: ipprotoTCP, num: 0x400, min: 1, max: maxInt32, inherited: true, goUnit: 1},
	userTimeout: sockopt{name: "TCP_MAXUNACKTIME", level: ipprotoTCP, num: 0x44, unit: time.Second, max: maxUint32 / 1000},
	readBack:    true,
}

// netbsdOptions: sys/netinet/tcp_usrreq.c stores TCP_KEEPIDLE and
// TCP_KEEPINTVL as given in t_keepidle and t_keepintvl, which
// sys/netinet/tcp_timer.h counts in slow ticks ("All TCPTV_* constants
// are in units of slow ticks (typically 500 ms)"; TCP_TIMER_ARM
// multiplies by hz/PR_SLOWHZ), although tcp(4) says seconds: Go's own
// keep-alive, which writes seconds, gets half the time it asks for.
// The callout takes an int of hz ticks, so the value stays below
// INT_MAX/(hz/PR_SLOWHZ), here for hz up to 1000. NetBSD has no user
// timeout, and it is not known that accepted sockets keep the
// listener's timers.
//
// Reading back: in tcp_usrreq.c v1.209 (2015) tcp_ctloutput's
// PRCO_GETOPT handles only TCP_MD5SIG, TCP_NODELAY, TCP_MAXSEG and
// TCP_INFO and returns ENOPROTOOPT for TCP_KEEP*; later revisions read
// them back. getFD reports a refused option as System.
var netbsdOptions = &sockopts{
	os:        "netbsd",
	keepAlive: keepAliveOpt,
	idle:      sockopt{name: "TCP_KEEPIDLE", level: ipprotoTCP, num: 3, unit: 500 * time.Millisecond, min: 1, max: maxInt32 / 500, goUnit: time.Second},
	interval:  sockopt{name: "TCP_KEEPINTVL", level: ipprotoTCP, num: 5, unit: 500 * time.Millisecond, min: 1, max: maxInt32 / 500, goUnit: time.Second},
	count:     sockopt{name: "TCP_KEEPCNT", level: ipprotoTCP, num: 6, min: 1, max: maxInt32, goUnit: 1},
	readBack:  true,
	note:      "netbsd has no per-socket user timeout",
}

// dragonflyOptions: DragonFly takes TCP_KEEPIDLE and TCP_KEEPINTVL in
// seconds since 5.8 (__DragonFly_version 500702, "Change tcp keepalive
// options from ms to seconds", commits list 2019-07; Go issue 65809);
// dragonflyMillisOptions are the milliseconds of earlier releases. No
// source at hand gives the kernel's own bounds, so both tables keep the
// timers within 2^31-1 milliseconds. There is no user timeout. tcp(4)
// (the millisecond era's page) says of TCP_KEEPINIT, TCP_KEEPIDLE,
// TCP_KEEPINTVL and TCP_KEEPCNT that an accepted socket's value "is
// inherited from the listening socket"; the change to seconds changed
// only the unit.
var dragonflyOptions = &sockopts{
	os:        "dragonfly",
	keepAlive: keepAliveOpt,
	idle:      sockopt{name: "TCP_KEEPIDLE", level: ipprotoTCP, num: 0x100, unit: time.Second, min: 1, max: maxInt32 / 1000, inherited: true, goUnit: time.Second},
	interval:  sockopt{name: "TCP_KEEPINTVL", level: ipprotoTCP, num: 0x200, unit: time.Second, min: 1, max: maxInt32 / 1000, inherited: true, goUnit: time.Second},
	count:     sockopt{name: "TCP_KEEPCNT", level: ipprotoTCP, num: 0x400, min: 1, max: maxInt32, inherited: true, goUnit: 1},
	readBack:  true,
	note:      "dragonfly has no per-socket user timeout",
}

var dragonflyMillisOptions = &sockopts{
	os:        "dragonfly",
	keepAlive: dragonflyOptions.keepAlive,
	idle:      sockopt{name: "TCP_KEEPIDLE", level: ipprotoTCP, num: 0x100, unit: time.Millisecond, min: 1, max: maxInt32, inherited: true, goUnit: time.Second},
	interval:  sockopt{name: "TCP_KEEPINTVL", level: ipprotoTCP, num: 0x200, unit: time.Millisecond, min: 1, max: maxInt32, inherited: true, goUnit: time.Second},
	count:     dragonflyOptions.count,
	readBack:  true,
	note:      dragonflyOptions.note,
}

// dragonflyFor picks the table for a kern.osreldate, given in decimal
// ("500702"); the seconds' table where it cannot be read.
func dragonflyFor(osreldate string) *sockopts {
	if v, err := strconv.ParseUint(osreldate, 10, 32); err == nil && v < 500702 {
		return dragonflyMillisOptions
	}
	return dragonflyOptions
}

// openbsdOptions: OpenBSD has only SO_KEEPALIVE per socket; the timers
// are the net.inet.tcp.keepidle and keepintvl sysctls (tcp(4)).
var openbsdOptions = &sockopts{
	os:        "openbsd",
	keepAlive: keepAliveOpt,
	readBack:  true,
	note:      "openbsd sets keep-alive timers only system-wide (sysctl net.inet.tcp.keepidle, keepintvl)",
}

// illumosOptions: usr/src/uts/common/inet/tcp/tcp_opt_data.c
// (tcp_opt_set): TCP_KEEPIDLE is seconds within the _keepalive_interval
// tunable's range, which tcp_tunables.c gives as {1*SECONDS, 10*DAYS}
// on current illumos (illumos-joyent OS-4686; {10*SECONDS, ...} before,
// where the kernel refuses an Idle below 10s with EINVAL);
// TCP_KEEPINTVL seconds within the connection's RTO bounds (by default
// 400ms to 60s, so 1..60); TCP_KEEPCNT positive, and once both are set
// Interval*Count in milliseconds must fall within the
// _keepalive_abort_interval tunable's range, {0, UINT32_MAX} (maxProbing,
// checked by Validate); TCP_ABORT_THRESHOLD milliseconds.
//
// Accepted sockets inherit them all: tcp_input.c calls
// tcp_init_values(eager, listener) ("inherit some parameters from the
// listener"), which in tcp.c copies tcp_ka_interval, tcp_ka_abort_thres,
// tcp_ka_cnt, tcp_ka_rinterval and tcp_second_timer_threshold (set by
// TCP_ABORT_THRESHOLD), and conn_inherit_parent copies the socket
// options, SO_KEEPALIVE among them.
var illumosOptions = &sockopts{
	os:          "illumos",
	keepAlive:   keepAliveOpt,
	idle:        sockopt{name: "TCP_KEEPIDLE", level: ipprotoTCP, num: 0x22, unit: time.Second, min: 1, max: 864000, inherited: true, goUnit: time.Second},
	interval:    sockopt{name: "TCP_KEEPINTVL", level: ipprotoTCP, num: 0x24, unit: time.Second, min: 1, max: 60, inherited: true, goUnit: time.Second},
	count:       sockopt{name: "TCP_KEEPCNT", level: ipprotoTCP, num: 0x23, min: 1, max: maxInt32, inherited: true, goUnit: 1},
	userTimeout: sockopt{name: "TCP_ABORT_THRESHOLD", level: ipprotoTCP, num: 0x11, unit: time.Millisecond, max: maxInt32, inherited: true},
	maxProbing:  maxUint32 * time.Millisecond,
	readBack:    true,
}

// solarisOptions: Oracle Solaris 11.4 numbers TCP_KEEPIDLE, TCP_KEEPINTVL
// and TCP_KEEPCNT 0x1D, 0x1E and 0x1F, not illumos's (which
// golang.org/x/sys gives for both); Go's net/tcpsockopt_solaris.go
// defines them likewise. tcp(4P) takes idle and interval in seconds, 10s
// at least. TCP_ABORT_THRESHOLD (0x11) is milliseconds.
var solarisOptions = &sockopts{
	os:          "solaris",
	keepAlive:   keepAliveOpt,
	idle:        sockopt{name: "TCP_KEEPIDLE", level: ipprotoTCP, num: 0x1D, unit: time.Second, min: 10, max: 864000, goUnit: time.Second},
	interval:    sockopt{name: "TCP_KEEPINTVL", level: ipprotoTCP, num: 0x1E, unit: time.Second, min: 10, max: 864000, goUnit: time.Second},
	count:       sockopt{name: "TCP_KEEPCNT", level: ipprotoTCP, num: 0x1F, min: 1, max: maxInt32, goUnit: 1},
	userTimeout: sockopt{name: "TCP_ABORT_THRESHOLD", level: ipprotoTCP, num: 0x11, unit: time.Millisecond, max: maxInt32},
	readBack:    true,
}

// solarisLegacyOptions: before 11.4, Oracle Solaris has only
// TCP_KEEPALIVE_THRESHOLD (0x16, milliseconds, 10s to 10 days) for the
// idle time; TCP_KEEPALIVE_ABORT_THRESHOLD bounds the whole probing and
// is not an interval, so Interval and Count are refused. (Go's dialer
// there sets TCP_KEEPALIVE_ABORT_THRESHOLD to Interval*Count, 135s by
// default; the library leaves the system's, 8 minutes by default.)
var solarisLegacyOptions = &sockopts{
	os:          "solaris",
	keepAlive:   solarisOptions.keepAlive,
	idle:        sockopt{name: "TCP_KEEPALIVE_THRESHOLD", level: ipprotoTCP, num: 0x16, unit: time.Millisecond, min: 10000, max: 864000000, goUnit: time.Millisecond},
	userTimeout: solarisOptions.userTimeout,
	readBack:    true,
	note:        "Oracle Solaris before 11.4 has no TCP_KEEPINTVL or TCP_KEEPCNT",
}

// solarisFor picks the table for the version uname reports ("11.4.0.15.0").
func solarisFor(version string) *sockopts {
	major, rest, _ := strings.Cut(version, ".")
	minor, _, _ := strings.Cut(rest, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if err1 == nil && err2 == nil && (ma > 11 || ma == 11 && mi >= 4) {
		return solarisOptions
	}
	return solarisLegacyOptions
}

// aixOptions: AIX numbers TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT
// 0x11, 0x12 and 0x13 (golang.org/x/sys), but no source at hand settles
// whether the socket options count seconds or the half seconds of the
// tcp_keepidle and tcp_keepintvl network options (no(1)), so the library
// sets SO_KEEPALIVE and TCP_KEEPCNT and refuses the timers rather than
// guess. (Go's dialer there writes 15 into both, in seconds.)
var aixOptions = &sockopts{
	os:        "aix",
	keepAlive: keepAliveOpt,
	count:     sockopt{name: "TCP_KEEPCNT", level: ipprotoTCP, num: 0x13, min: 1, max: maxInt32, goUnit: 1},
	readBack:  true,
	note:      "the unit of aix's TCP_KEEPIDLE and TCP_KEEPINTVL is not settled",
}
