//go:build !linux

package keepalive

import "time"

// Multipath TCP sockets exist only on Linux.
const multipathExists = false

// keepIdleRearms is checked on Linux only (see Listener.inspectInner).
const keepIdleRearms = false

func isMPTCP(uintptr) bool { return false }

func multipathInUse(uintptr) bool { return false }

func multipathCloseTimeout() time.Duration { return 0 }

func readCloseTimeout() (time.Duration, error) { return 0, nil }

func skipMultipathRefusal(err error) error { return err }
