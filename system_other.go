//go:build !linux

package keepalive

import "time"

// Only Linux's defaults can be read (system_linux.go): elsewhere
// SystemDefaults returns an error wrapping errors.ErrUnsupported, and
// Timeout takes Linux's compiled-in defaults for System fields
// (fallbackSystem).

func retransmitLimits() (int, time.Duration, error) {
	return 0, 0, unsupported("reading the system's retransmission limits")
}

func systemDefaults() (Config, error) {
	return Config{}, unsupported("reading the system's keep-alive defaults")
}
