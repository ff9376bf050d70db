package keepalive

import "time"

// The tables of the systems without Unix socket options: Windows, Plan 9,
// js and wasip1 (platform.go has the others').

// windowsOptions: ws2ipdef.h numbers and the IPPROTO_TCP socket options
// page of the Win32 documentation: TCP_KEEPIDLE (3) and TCP_KEEPINTVL
// (17) in seconds since Windows 10 1709, TCP_KEEPCNT (16) from 0 to 255
// since 1703, TCP_MAXRT (5) in seconds. Accepted sockets are set per
// connection (Go's own keep-alive does it for each).
var windowsOptions = &sockopts{
	os:          "windows",
	keepAlive:   sockopt{name: "SO_KEEPALIVE", max: 1},
	idle:        sockopt{name: "TCP_KEEPIDLE", unit: time.Second, min: 1, max: maxInt32, goUnit: time.Second},
	interval:    sockopt{name: "TCP_KEEPINTVL", unit: time.Second, min: 1, max: maxInt32, goUnit: time.Second},
	count:       sockopt{name: "TCP_KEEPCNT", min: 1, max: 255, goUnit: 1},
	userTimeout: sockopt{name: "TCP_MAXRT", unit: time.Second, max: maxInt32},
	readBack:    true,
}

// windowsLegacyOptions: before Windows 10 1709, idle and interval go
// together through WSAIoctl(SIO_KEEPALIVE_VALS) in milliseconds (struct
// tcp_keepalive, three ULONGs), which cannot be read back; the probe
// count is fixed at 10 (the SIO_KEEPALIVE_VALS page), unless TCP_KEEPCNT
// exists (1703).
var windowsLegacyOptions = &sockopts{
	os:          "windows",
	keepAlive:   windowsOptions.keepAlive,
	idle:        sockopt{name: "SIO_KEEPALIVE_VALS", unit: time.Millisecond, min: 1, max: maxUint32, goUnit: time.Millisecond},
	interval:    sockopt{name: "SIO_KEEPALIVE_VALS", unit: time.Millisecond, min: 1, max: maxUint32, goUnit: time.Millisecond},
	userTimeout: windowsOptions.userTimeout,
	fixedCount:  10,
	ioctl:       true,
	note:        "Windows before 10 1703 fixes the probe count at 10",
}

// windowsFor picks the table for what the running Windows accepts:
// TCP_KEEPIDLE and TCP_KEEPINTVL, TCP_KEEPCNT, TCP_MAXRT. (Wine 8.0
// refuses all four, and maps SIO_KEEPALIVE_VALS onto the host's socket.)
func windowsFor(idleAndInterval, count, maxRT bool) *sockopts {
	if idleAndInterval && count && maxRT {
		return windowsOptions
	}
	t := *windowsOptions
	if !idleAndInterval {
		t = *windowsLegacyOptions
		if count {
			t.count = windowsOptions.count
			t.fixedCount = 0
			t.note = ""
		}
	}
	if !maxRT {
		t.userTimeout = sockopt{}
	}
	return &t
}

// Windows' own keep-alive times (the KeepAliveTime and
// KeepAliveInterval parameters, 2 hours and 1 second unless the registry
// changes them; Go's net/tcpsockopt_windows.go uses the same interval).
const (
	windowsDefaultIdle     = 2 * time.Hour
	windowsDefaultInterval = time.Second
)

// plan9Options: Plan 9 has no socket options; its TCP takes
// "keepalive n" (milliseconds between keep-alive messages) on the
// connection's ctl file, as Go's net/tcpsockopt_plan9.go writes it.
var plan9Options = &sockopts{
	os:        "plan9",
	keepAlive: sockopt{name: "ctl keepalive", max: 1},
	idle:      sockopt{name: "ctl keepalive", unit: time.Millisecond, min: 1, max: maxInt32, goUnit: time.Millisecond},
	note:      "plan9 has only the ctl file's keepalive period",
}

// noOptions: js/wasm and wasip1 have no TCP socket options at all.
func noOptions(os string) *sockopts {
	return &sockopts{os: os, note: os + " has no TCP socket options"}
}
