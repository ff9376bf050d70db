package keepalive

import (
	"fmt"
	"time"
)

// Defaults are the running system's own keep-alive settings: what a
// socket gets when nothing sets them, and what keepalive.System leaves.
type Defaults struct {
	// Config holds the system's Idle, Interval and Count (on Linux the
	// net.ipv4.tcp_keepalive_time, _intvl and _probes sysctls); its
	// Timeout is how long a dead idle peer goes unnoticed.
	Config Config

	// Retries is how many retransmissions of unacknowledged data the
	// kernel makes before it gives up (tcp_retries2), and BusyTimeout
	// how long they take with the minimum retransmission timeout of
	// 200ms: how long a busy connection to a dead peer stays open
	// without a UserTimeout (Linux: 15 retries, about 15m25s).
	Retries     int
	BusyTimeout time.Duration
}

// String describes the defaults in time.
func (d Defaults) String() string {
	return fmt.Sprintf("%v: a dead idle peer is noticed after %v; with data in flight after %v (%d retransmissions)",
		d.Config, d.Config.Timeout(), d.BusyTimeout, d.Retries)
}

// SystemDefaults reads the running system's keep-alive defaults. Where it
// cannot (systems other than Linux, for now) the error wraps
// errors.ErrUnsupported.
func SystemDefaults() (Defaults, error) {
	c, err := systemDefaults()
	if err != nil {
		return Defaults{}, err
	}
	retries, rtoMax, err := retransmitLimits()
	if err != nil {
		return Defaults{}, err
	}
	return Defaults{Config: c, Retries: retries, BusyTimeout: retransmitTimeout(retries, 200*time.Millisecond, rtoMax)}, nil
}

// retransmitTimeout is Linux's tcp_model_timeout (net/ipv4/tcp_timer.c):
// the time the retransmissions take, the timeout doubling from rtoMin
// until it reaches rtoMax.
func retransmitTimeout(retries int, rtoMin, rtoMax time.Duration) time.Duration {
	thresh := 0 // ilog2(rtoMax / rtoMin)
	for r := rtoMax / rtoMin; r > 1; r >>= 1 {
		thresh++
	}
	if retries <= thresh {
		return time.Duration((2<<retries)-1) * rtoMin
	}
	return time.Duration((2<<thresh)-1)*rtoMin + time.Duration(retries-thresh)*rtoMax
}
