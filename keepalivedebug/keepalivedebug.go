// Package keepalivedebug serves a keepalive.Tracker's connections over
// HTTP, as expvar, net/http/pprof and gRPC's channelz serve theirs: the
// worst first, with what the kernel reads for each and its bound. It is
// a package of its own so that importing keepalive does not link
// net/http.
package keepalivedebug

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// DefaultLimit and MaxLimit bound how many connections a page lists.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Handler returns an http.Handler that lists t's tracked connections,
// the worst first: gone, closed by the peer, suspect, live, and within
// each the nearest its bound (the largest share of Bound elapsed since
// the last packet received). The page has totals by verdict over every
// connection and t's counts per peer.
//
// Query parameters: format=text (the default) or json; limit=N, the
// connections listed, DefaultLimit by default and at most MaxLimit, so
// that a page stays small with 100k connections. Only GET and HEAD are
// served; a bad parameter gets 400 naming it, a nil or closed t 503.
// The collection stops when the request's context ends.
func Handler(t *keepalive.Tracker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(t, w, r)
	})
}

// A Page is what the handler serves, as JSON.
type Page struct {
	Tracked     int                 `json:"tracked"`     // connections read
	ByVerdict   map[string]int      `json:"by_verdict"`  // connections read, by verdict
	Shown       int                 `json:"shown"`       // len(Connections)
	Connections []Conn              `json:"connections"` // the worst, at most limit
	Peers       []Peer              `json:"peers"`       // the counts per peer host
	GoneAfter   keepalive.Histogram `json:"gone_after"`  // time from the last packet to a close seen
}

// A Conn is one connection's reading. Durations are in milliseconds
// (microseconds for RTT and RTO); -1 where the system reports none.
type Conn struct {
	Verdict         string  `json:"verdict"`
	Peer            string  `json:"peer"`
	PeerAddr        string  `json:"peer_addr"`
	LocalAddr       string  `json:"local_addr"`
	State           string  `json:"state"`
	Probes          int     `json:"probes"`
	Retransmissions int     `json:"retransmissions"`
	Unacked         int     `json:"unacked"`
	RTTMicros       int64   `json:"rtt_us"`
	RTOMicros       int64   `json:"rto_us"`
	SinceReceivedMs int64   `json:"since_received_ms"`
	BoundMs         int64   `json:"bound_ms"`
	BoundUsed       float64 `json:"bound_used"` // SinceReceived / Bound; -1 when either is unknown

	r keepalive.Reading
}

// A Peer is the counts of one peer host.
type Peer struct {
	Peer         string            `json:"peer"`
	Gone         map[string]uint64 `json:"gone,omitempty"`
	PoolChecks   map[string]uint64 `json:"pool_checks,omitempty"`
	PoolDiscards map[string]uint64 `json:"pool_discards,omitempty"`
}

func serve(t *keepalive.Tracker, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "keepalivedebug: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	format := cmp.Or(q.Get("format"), "text")
	if format != "text" && format != "json" {
		http.Error(w, fmt.Sprintf("keepalivedebug: format %q: must be text or json", format), http.StatusBadRequest)
		return
	}
	limit := DefaultLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			http.Error(w, fmt.Sprintf("keepalivedebug: limit %q: must be a whole number from 0 to %d", s, MaxLimit), http.StatusBadRequest)
			return
		}
		limit = min(n, MaxLimit)
	}
	p, err := collect(r.Context(), t, limit)
	if err != nil {
		http.Error(w, "keepalivedebug: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if format == "json" {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(p)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	writeText(w, p)
}

// worst is a heap of the worst connections seen, the least bad on top.
type worst []Conn

func (h worst) Len() int           { return len(h) }
func (h worst) Less(i, j int) bool { return worse(&h[j].r, &h[i].r) }
func (h worst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worst) Push(x any)        { *h = append(*h, x.(Conn)) }
func (h *worst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// severity orders the verdicts, worst highest.
var severity = [...]int{keepalive.VerdictLive: 0, keepalive.VerdictSuspect: 1, keepalive.VerdictClosedByPeer: 2, keepalive.VerdictGone: 3}

// worse reports whether a is worse than b.
func worse(a, b *keepalive.Reading) bool {
	if sa, sb := severity[a.Verdict], severity[b.Verdict]; sa != sb {
		return sa > sb
	}
	if ua, ub := used(a), used(b); ua != ub {
		return ua > ub
	}
	return a.Retransmissions+a.Probes > b.Retransmissions+b.Probes
}

// used is the share of the bound elapsed since the last packet.
func used(r *keepalive.Reading) float64 {
	if r.Bound <= 0 || r.SinceReceived < 0 {
		return -1
	}
	return float64(r.SinceReceived) / float64(r.Bound)
}

func collect(ctx context.Context, t *keepalive.Tracker, limit int) (*Page, error) {
	p := &Page{ByVerdict: map[string]int{}}
	for _, v := range keepalive.Verdicts {
		p.ByVerdict[v.String()] = 0
	}
	h := make(worst, 0, limit)
	err := t.Collect(ctx, func(r *keepalive.Reading) bool {
		p.Tracked++
		p.ByVerdict[r.Verdict.String()]++
		switch {
		case limit == 0:
		case len(h) < limit:
			heap.Push(&h, Conn{r: *r})
		case worse(r, &h[0].r):
			h[0] = Conn{r: *r}
			heap.Fix(&h, 0)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	p.Connections = make([]Conn, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		p.Connections[i] = heap.Pop(&h).(Conn)
		fill(&p.Connections[i])
	}
	p.Shown = len(p.Connections)
	t.PeerCounts(func(c *keepalive.Counts) bool {
		p.Peers = append(p.Peers, Peer{
			Peer:         c.Peer,
			Gone:         named(c.Gone[:], causeName),
			PoolChecks:   named(c.PoolChecks[:], outcomeName),
			PoolDiscards: named(c.PoolDiscards[:], causeName),
		})
		return true
	})
	p.GoneAfter = t.GoneAfter()
	return p, nil
}

func causeName(i int) string   { return keepalive.Cause(i).String() }
func outcomeName(i int) string { return keepalive.PoolOutcome(i).String() }

// named keeps the counts above zero, by name.
func named(counts []uint64, name func(int) string) map[string]uint64 {
	var m map[string]uint64
	for i, n := range counts {
		if n > 0 {
			if m == nil {
				m = map[string]uint64{}
			}
			m[name(i)] = n
		}
	}
	return m
}

func fill(c *Conn) {
	r := &c.r
	ms := func(d time.Duration) int64 {
		if d < 0 {
			return -1
		}
		return d.Milliseconds()
	}
	us := func(d time.Duration) int64 {
		if d < 0 {
			return -1
		}
		return d.Microseconds()
	}
	addr := func(a interface {
		IsValid() bool
		String() string
	}) string {
		if !a.IsValid() {
			return ""
		}
		return a.String()
	}
	*c = Conn{
		Verdict: r.Verdict.String(), Peer: r.Peer, PeerAddr: addr(r.PeerAddr), LocalAddr: addr(r.LocalAddr),
		State: r.State.String(), Probes: r.Probes, Retransmissions: r.Retransmissions, Unacked: r.Unacked,
		RTTMicros: us(r.RTT), RTOMicros: us(r.RTO), SinceReceivedMs: ms(r.SinceReceived), BoundMs: ms(r.Bound),
		BoundUsed: used(r), r: *r,
	}
}

func writeText(w http.ResponseWriter, p *Page) {
	fmt.Fprintf(w, "tracked connections: %d (live %d, suspect %d, gone %d, closed_by_peer %d); worst %d shown\n\n",
		p.Tracked, p.ByVerdict["live"], p.ByVerdict["suspect"], p.ByVerdict["gone"], p.ByVerdict["closed_by_peer"], p.Shown)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tPEER\tLOCAL\tSTATE\tPROBES\tRETRANS\tUNACKED\tRTT\tRTO\tSINCE RECEIVED\tBOUND")
	d := func(d time.Duration) string {
		if d < 0 {
			return "-"
		}
		return d.String()
	}
	n := func(v int) string {
		if v < 0 {
			return "-"
		}
		return strconv.Itoa(v)
	}
	for _, c := range p.Connections {
		r := &c.r
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Verdict, c.PeerAddr, c.LocalAddr, c.State,
			n(r.Probes), n(r.Retransmissions), n(r.Unacked), d(r.RTT), d(r.RTO), d(r.SinceReceived), d(r.Bound))
	}
	tw.Flush()
	fmt.Fprintf(w, "\npeer counts (gone: closes by cause; pool: checks by outcome; discards: by cause)\n")
	shown := 0
	for _, pc := range p.Peers {
		if len(pc.Gone)+len(pc.PoolChecks)+len(pc.PoolDiscards) == 0 {
			continue
		}
		shown++
		fmt.Fprintf(w, "%s\tgone %s\tpool %s\tdiscards %s\n", pc.Peer, counts(pc.Gone), counts(pc.PoolChecks), counts(pc.PoolDiscards))
	}
	if shown == 0 {
		fmt.Fprintln(w, "none")
	}
	fmt.Fprintf(w, "\ngone after last packet: %d observed, sum %v\n", p.GoneAfter.Count, p.GoneAfter.Sum)
}

// counts writes named counts in a stable order, "-" for none.
func counts(m map[string]uint64) string {
	if len(m) == 0 {
		return "-"
	}
	var s string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if s != "" {
			s += " "
		}
		s += name + "=" + strconv.FormatUint(m[name], 10)
	}
	return s
}
