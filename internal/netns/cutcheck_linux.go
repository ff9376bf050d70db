package netns

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A Case is one call in flight when the peer vanishes, made twice: With
// the integration under test and Without it (the client library's own
// defaults). Both processes are started, and print "inflight", before
// CutAndCheck.
type Case struct {
	Name          string
	With, Without *Process

	// Gone says which check must recognise the error; with
	// NoSocketError, Note says what the caller sees instead.
	Gone Gone
	Note string

	// AfterCut: the calls wait for the cut (WaitForCut) and are made
	// after it, on connections made before.
	AfterCut bool

	// Bound, if not zero, replaces d + 500ms as the latest time the call
	// With may fail, for a call that notices more than one dead thing.
	Bound time.Duration
}

// Gone is which check must recognise the error of a Case's call With
// the integration.
type Gone uint8

const (
	// NoSocketError: the caller sees no error from the socket at all (a
	// server handler sees its context canceled).
	NoSocketError Gone = iota
	// ByKeepalive: keepalive.IsPeerGone.
	ByKeepalive
	// ByHelper: the integration's own check (Play's peerGone).
	ByHelper
)

// String names the check.
func (g Gone) String() string {
	switch g {
	case NoSocketError:
		return "no socket error"
	case ByKeepalive:
		return "keepalive.IsPeerGone"
	case ByHelper:
		return "the integration's IsPeerGone"
	}
	return fmt.Sprintf("Gone(%d)", uint8(g))
}

// Baseline is how long a call Without the integration must stay blocked.
const Baseline = 20 * time.Second

// CutAndCheck waits until every process is in flight, lets the calls
// reach the other side, cuts the network, and checks each Case in a
// parallel subtest: With fails within d (the bound of cfg =
// keepalive.Within(d)) plus the 500ms the integration tests allow for the
// scheduler and the pipe that reports the result, and no sooner than the
// kernel can notice (cfg.Timeout() - cfg.Idle: the last probe before the
// cut was answered at most Idle earlier); Without is still blocked
// Baseline after the cut.
func (n *Network) CutAndCheck(t *testing.T, cfg keepalive.Config, d time.Duration, cases []Case) {
	t.Helper()
	for _, c := range cases {
		for _, p := range []*Process{c.With, c.Without} {
			if _, err := p.Wait("inflight", 30*time.Second); err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
	}
	time.Sleep(500 * time.Millisecond)
	cut := time.Now()
	n.Cut()
	for _, c := range cases {
		if c.AfterCut {
			for _, p := range []*Process{c.With, c.Without} {
				if err := p.Signal(syscall.SIGUSR1); err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
			}
		}
	}
	low, high := cfg.Timeout()-cfg.Idle-100*time.Millisecond, d+500*time.Millisecond
	// Every process is watched from the cut on, whatever the subtests'
	// parallelism lets run at once.
	type waited struct {
		o     Outcome
		err   error
		since time.Duration
	}
	watch := func(p *Process, until time.Time) <-chan waited {
		ch := make(chan waited, 1)
		go func() {
			o, err := p.Outcome(time.Until(until))
			ch <- waited{o, err, time.Since(cut)}
		}()
		return ch
	}
	for _, c := range cases {
		high := high
		if c.Bound != 0 {
			high = c.Bound
		}
		with, without := watch(c.With, cut.Add(high+5*time.Second)), watch(c.Without, cut.Add(Baseline))
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			w := <-with
			o, err, since := w.o, w.err, w.since
			if err != nil {
				t.Fatalf("with the integration: %v after the cut", err)
			}
			t.Logf("%s with the integration: failed %v after the cut (%v after inflight): %q %v peer-gone=%v helper=%v",
				o.Call, since.Round(10*time.Millisecond), o.Elapsed.Round(10*time.Millisecond), o.Err, o.Types, o.PeerGone, o.Helper)
			if since < low || since > high {
				t.Errorf("failed %v after the cut, want within [%v, %v]", since, low, high)
			}
			if o.Err == "" {
				t.Errorf("the call returned no error")
			}
			switch c.Gone {
			case ByKeepalive:
				if !o.PeerGone {
					t.Errorf("keepalive.IsPeerGone(%q) = false", o.Err)
				}
			case ByHelper:
				if !o.Helper {
					t.Errorf("the integration's IsPeerGone(%q) = false", o.Err)
				}
			default:
				t.Logf("not an error from the socket: %s", c.Note)
			}
			w = <-without
			if !errors.Is(w.err, ErrNoLine) {
				t.Errorf("without the integration the call ended %v after the cut (%v, %+v), want still blocked after %v",
					w.since.Round(10*time.Millisecond), w.err, w.o, Baseline)
				return
			}
			t.Logf("without the integration: still blocked %v after the cut", Baseline)
		})
	}
}
