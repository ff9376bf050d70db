package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A CallFunc is one client library call (or a server's handler), played
// by a re-executed test binary inside a namespace: it sets up what it
// needs, calls inflight, from any goroutine, once its call is under way
// (or about to be, for a call made after the cut), and returns the
// call's error. arg is what StartCall was given (a server's
// address).
type CallFunc func(arg string, inflight func()) error

// Outcome is what a Call reports when it returns.
type Outcome struct {
	Call     string   // the Call's name
	Err      string   // the error's text, "" for nil
	Types    []string // the error's type, then each it wraps, as errors.Unwrap finds them
	PeerGone bool     // keepalive.IsPeerGone
	Helper   bool     // the integration's own check, when RunCalls was given one
	Elapsed  time.Duration
}

// Env variables that tell a re-executed test binary which Call to play.
const (
	CallEnv    = "KEEPALIVE_NETNS_CALL"
	CallArgEnv = "KEEPALIVE_NETNS_CALL_ARG"
)

// RunCalls plays the Call CallEnv names, if it is set, and exits; a test
// binary's TestMain calls it first. It prints "inflight" when the call
// says so and "result {json}" (an Outcome) when it returns. peerGone,
// if not nil, is the integration's own check, reported as Helper.
func RunCalls(calls map[string]CallFunc, peerGone func(error) bool) {
	name := os.Getenv(CallEnv)
	if name == "" {
		return
	}
	call, ok := calls[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "call: no call %q\n", name)
		os.Exit(2)
	}
	signal.Notify(cut, syscall.SIGUSR1)
	var once sync.Once
	var start atomic.Int64
	err := call(os.Getenv(CallArgEnv), func() {
		once.Do(func() {
			start.Store(time.Now().UnixNano())
			fmt.Println("inflight")
		})
	})
	o := Outcome{Call: name, PeerGone: keepalive.IsPeerGone(err)}
	if s := start.Load(); s != 0 {
		o.Elapsed = time.Since(time.Unix(0, s))
	}
	if peerGone != nil {
		o.Helper = peerGone(err)
	}
	if err != nil {
		o.Err = err.Error()
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		o.Types = append(o.Types, reflect.TypeOf(e).String())
	}
	out, _ := json.Marshal(o)
	fmt.Printf("result %s\n", out)
	os.Exit(0)
}

var cut = make(chan os.Signal, 1)

// WaitForCut waits, in a Call of a Case with AfterCut, until the network
// has been cut.
func WaitForCut() { <-cut }

// StartCall runs the Call name in namespace ns, with arg. The process is
// killed when the test ends.
func (n *Network) StartCall(ns, name, arg string) *Process {
	n.t.Helper()
	return n.Run(ns, CallEnv+"="+name, CallArgEnv+"="+arg)
}

// Outcome waits up to timeout for p's result. It returns ErrNoLine if the
// call was still blocked then.
func (p *Process) Outcome(timeout time.Duration) (Outcome, error) {
	var o Outcome
	line, err := p.Wait("result", timeout)
	if err != nil {
		return o, err
	}
	err = json.Unmarshal([]byte(line), &o)
	return o, err
}

// A Case is one call in flight when the peer vanishes, made twice: With
// the integration under test and Without it (the client library's own
// defaults). Both processes are started, and print "inflight", before
// CutAndCheck.
type Case struct {
	Name          string
	With, Without *Process

	// Gone says which check must recognise the error: "keepalive"
	// (keepalive.IsPeerGone), "helper" (the integration's own), or ""
	// when the caller sees no error from the socket at all (a server
	// handler sees its context canceled); Note then says what it sees.
	Gone string
	Note string

	// AfterCut: the calls wait for the cut (WaitForCut) and are made
	// after it, on connections made before.
	AfterCut bool

	// Bound, if not zero, replaces d + 500ms as the latest time the call
	// With may fail, for a call that notices more than one dead thing.
	Bound time.Duration
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
			case "keepalive":
				if !o.PeerGone {
					t.Errorf("keepalive.IsPeerGone(%q) = false", o.Err)
				}
			case "helper":
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

// Missing reports a server program the test needs and did not find: the
// test fails when CI is "true" (CI installs every server) and skips
// elsewhere, naming the Debian package that has it.
func Missing(t testing.TB, program, debianPackage string) {
	t.Helper()
	needed(t, fmt.Sprintf("%s not found: install Debian's %s package", program, debianPackage))
}
