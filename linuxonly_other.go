//go:build !linux

package keepalive

import "time"

// What only Linux has, as the other systems answer: Multipath TCP
// sockets, and keep-alive defaults and retransmission limits that can be
// read (options_linux.go). Elsewhere SystemDefaults returns an error
// wrapping errors.ErrUnsupported, and Timeout takes Linux's compiled-in
// defaults for System fields (fallbackSystem).

// Multipath TCP sockets exist only on Linux.
const multipathExists = false

// keepIdleRearms is checked on Linux only (see Listener.inspectInner).
const keepIdleRearms = false

func isMPTCP(uintptr) bool { return false }

func multipathInUse(uintptr) bool { return false }

func multipathCloseTimeout() time.Duration { return 0 }

func readCloseTimeout() (time.Duration, error) { return 0, nil }

func retransmitLimits() (int, time.Duration, error) {
	return 0, 0, unsupported("reading the system's retransmission limits")
}

func systemDefaults() (Config, error) {
	return Config{}, unsupported("reading the system's keep-alive defaults")
}
