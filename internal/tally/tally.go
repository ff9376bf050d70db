// Package tally sums a Tracker's readings by peer host, for the modules
// that export them (keepaliveotel, keepaliveprom).
package tally

import (
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A Peer is one peer host's readings in a collection.
type Peer struct {
	Name             string
	Seen             bool
	Verdicts         [len(keepalive.Verdicts)]int64
	Probes, Retrans  int64
	RTTSum           time.Duration
	RTTCount         int
	AnyProbes, AnyRx bool // some connection reported them (a system may not)
}

// Add counts r, one of p's connections.
func (p *Peer) Add(r *keepalive.Reading) {
	p.Seen = true
	if int(r.Verdict) < len(p.Verdicts) {
		p.Verdicts[r.Verdict]++
	}
	if r.Probes >= 0 {
		p.Probes += int64(r.Probes)
		p.AnyProbes = true
	}
	if r.Retransmissions >= 0 {
		p.Retrans += int64(r.Retransmissions)
		p.AnyRx = true
	}
	if r.RTT > 0 && (r.Verdict == keepalive.VerdictLive || r.Verdict == keepalive.VerdictSuspect) {
		p.RTTSum += r.RTT
		p.RTTCount++
	}
}

// MeanRTT is the mean smoothed round-trip time, in seconds, of p's
// connections still open, and whether any had one.
func (p *Peer) MeanRTT() (float64, bool) {
	if p.RTTCount == 0 {
		return 0, false
	}
	return p.RTTSum.Seconds() / float64(p.RTTCount), true
}

// GoneCauses are the causes a peer-gone close has.
var GoneCauses = []keepalive.Cause{keepalive.CauseTimeout, keepalive.CauseReset, keepalive.CauseEOF}
