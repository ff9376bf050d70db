//go:build !linux

package keepalive

import "time"

// What only Linux's kernel tells or does (options_linux.go), as the other
// systems answer: SystemDefaults returns an error wrapping
// errors.ErrUnsupported, and Timeout takes Linux's compiled-in defaults
// for System fields (fallbackSystem).

// keepIdleRearms is checked on Linux only (see Listener.inspectInner).
const keepIdleRearms = false

func retransmitLimits() (int, time.Duration, error) {
	return 0, 0, unsupported("reading the system's retransmission limits")
}

func systemDefaults() (Config, error) {
	return Config{}, unsupported("reading the system's keep-alive defaults")
}
