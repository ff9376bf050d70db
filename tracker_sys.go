//go:build unix && !linux && !darwin && !freebsd

package keepalive

import "time"

// A sysReader reads a tracked socket for Collect. These systems report
// no TCP state without the socket's pending error: a collection reads
// only the settings, once.
type sysReader struct{}

func (*sysReader) read(fd uintptr, e *entry, r *Reading) error {
	settleSettings(fd, e)
	return nil
}

// sinceReceived is unknown here.
func sinceReceived(uintptr) time.Duration { return -1 }

// trackable reports a socket a Tracker cannot read.
func trackable(fd uintptr) error { return checkTCP(fd) }
