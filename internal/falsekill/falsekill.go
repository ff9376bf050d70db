// Package falsekill models how often Linux drops a live idle connection
// on a lossy path: its keep-alive probes all go unanswered because each
// probe, or the peer's answer to it, was lost. Within uses it to choose
// a Config; the integration tests and scripts/error-rates check it
// against measurement. It is not API.
//
// The model: on an idle connection the kernel sends a probe once
// nothing has been received for Idle (tcp_keepalive_timer,
// net/ipv4/tcp_timer.c); an answered probe re-arms the timer, so the
// next exchange comes max(Idle, Interval) after the last. An exchange is
// lost when the probe or its answer is, with probability
// q = 1-(1-p)² for a loss p each way, independently. After a lost
// exchange the next probe leaves Interval later; the connection is
// dropped when Probes exchanges in a row are lost (Probes is Count, or
// the number of probes the user timeout lets out when it is set). So a
// cycle starting at an answer ends in a drop with probability q^Probes,
// and lasts on average max(Idle, Interval) + Interval·(q + … + q^(Probes-1)).
package falsekill

import (
	"math"
	"time"
)

// PerHour is the expected number of times per connection-hour that the
// kernel drops a live idle connection with these keep-alive settings
// (Count and UserTimeout as the socket holds them, 0 for none) on a path
// that loses a fraction loss (0 to 1) of the packets each way. It is 0
// without loss.
func PerHour(idle, interval time.Duration, count int, userTimeout time.Duration, loss float64) float64 {
	k := Probes(idle, interval, count, userTimeout)
	if loss <= 0 || k < 1 || idle <= 0 || interval <= 0 {
		return 0
	}
	q := ExchangeLoss(min(loss, 1))
	cycle := max(idle, interval).Seconds()
	for i, qi := 1, q; i < k; i, qi = i+1, qi*q {
		cycle += interval.Seconds() * qi
	}
	return 3600 / cycle * math.Pow(q, float64(k))
}

// Probes is the fewest exchanges in a row whose loss can make the kernel
// drop the connection. Without a user timeout it is count. With one, the
// kernel drops the connection at the first timer at which nothing was
// received for userTimeout and a probe is out, whatever count says; its
// timers fire late by up to an eighth of their length (the timer wheel's
// granularity, kernel/time/timer.c), and the lateness counts towards
// the user timeout, so the worst case is taken: the smallest k at which
// (idle + interval·k)·9/8 reaches it.
func Probes(idle, interval time.Duration, count int, userTimeout time.Duration) int {
	if userTimeout <= 0 {
		return count
	}
	if interval <= 0 {
		return 1
	}
	k := 1
	for (idle+interval*time.Duration(k))/8*9 < userTimeout {
		k++
	}
	return k
}

// ExchangeLoss is the probability that a probe exchange is lost on a
// path that loses a fraction loss of the packets each way: the probe or
// its answer.
func ExchangeLoss(loss float64) float64 { return 1 - (1-loss)*(1-loss) }
