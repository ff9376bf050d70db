//go:build !linux

package keepalive

import "time"

// Multipath TCP sockets exist only on Linux (options_linux.go): the
// other systems' answers.
const multipathExists = false

func isMPTCP(uintptr) bool { return false }

func multipathInUse(uintptr) bool { return false }

func multipathCloseTimeout() time.Duration { return 0 }

func readCloseTimeout() (time.Duration, error) { return 0, nil }
