//go:build !unix && !windows

package keepalive

import "time"

// A sysReader reads nothing where the library reaches no socket.
type sysReader struct{}

func (*sysReader) read(uintptr, *entry, *Reading) error { return nil }

func sinceReceived(uintptr) time.Duration { return -1 }

// trackable refuses every socket where the library reaches none.
func trackable(uintptr) error { return errNetLayout }
