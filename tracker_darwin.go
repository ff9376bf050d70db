package keepalive

import (
	"time"

	"golang.org/x/sys/unix"
)

// A sysReader reads a tracked socket for Collect: TCP_CONNECTION_INFO as
// Check reads it (the state, RTT and RTO), never the pending error, and
// the settings once. x/sys returns the reading by pointer, which may
// allocate.
type sysReader struct{}

func (*sysReader) read(fd uintptr, e *entry, r *Reading) error {
	settleSettings(fd, e)
	info, err := unix.GetsockoptTCPConnectionInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_CONNECTION_INFO)
	if err != nil {
		return nil
	}
	if int(info.State) < len(bsdStates) {
		r.State = bsdStates[info.State]
	}
	r.RTT = time.Duration(info.Srtt) * time.Millisecond
	r.RTO = time.Duration(info.Rto) * time.Millisecond
	return nil
}

// sinceReceived is not reported by darwin.
func sinceReceived(uintptr) time.Duration { return -1 }

// trackable reports a socket a Tracker cannot read.
func trackable(fd uintptr) error { return checkTCP(fd) }
