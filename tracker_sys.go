//go:build (unix && !linux) || windows

package keepalive

import "time"

// A sysReader reads a tracked socket for Collect. Outside Linux it reads
// only the settings, once: these kernels' TCP state readings take the
// socket's pending error or are not read without allocating.
type sysReader struct{}

func (*sysReader) read(fd uintptr, e *entry, r *Reading) error {
	if !e.settled {
		e.settled = true
		if platform().readBack {
			if ka, err := getFD(fd); err == nil {
				e.ka, e.bound = ka, ka.Timeout()
			}
		}
	}
	return nil
}

// sinceReceived is unknown outside Linux.
func sinceReceived(uintptr) time.Duration { return -1 }

// trackable reports a socket a Tracker cannot read.
func trackable(fd uintptr) error { return checkTCP(fd) }
