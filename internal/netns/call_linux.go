package netns

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A CallFunc is one client library call (or a server's handler), played
// by a re-executed test binary inside a namespace: it sets up what it
// needs, calls inflight, from any goroutine, once its call is under way
// (or about to be, for a call made after the cut), and returns the
// call's error. arg is the Call's Arg (a server's address).
type CallFunc func(arg string, inflight func()) error

// A Call is the Role of a CallFunc: the one the test binary's Play was
// given under Name, called with Arg. It prints "inflight" when the call
// says so and "result {json}" (an Outcome) when it returns.
type Call struct {
	Name string
	Arg  string
}

// Outcome is what a Call reports when it returns.
type Outcome struct {
	Call     string   // the Call's name
	Err      string   // the error's text, "" for nil
	Types    []string // the error's type, then each it wraps, as errors.Unwrap finds them
	PeerGone bool     // keepalive.IsPeerGone
	Helper   bool     // the integration's own check, when Play was given one
	Elapsed  time.Duration
}

func (Call) role() string { return "call" }

func (c Call) play(p player) error {
	call, ok := p.calls[c.Name]
	if !ok {
		return fmt.Errorf("no call %q", c.Name)
	}
	signal.Notify(cut, syscall.SIGUSR1)
	var once sync.Once
	var start atomic.Int64
	err := call(c.Arg, func() {
		once.Do(func() {
			start.Store(time.Now().UnixNano())
			fmt.Println("inflight")
		})
	})
	o := Outcome{Call: c.Name, PeerGone: keepalive.IsPeerGone(err)}
	if s := start.Load(); s != 0 {
		o.Elapsed = time.Since(time.Unix(0, s))
	}
	if p.peerGone != nil {
		o.Helper = p.peerGone(err)
	}
	if err != nil {
		o.Err = err.Error()
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		o.Types = append(o.Types, reflect.TypeOf(e).String())
	}
	return printResult(o)
}

var cut = make(chan os.Signal, 1)

// WaitForCut waits, in a Call, until the test signals it (SIGUSR1): the
// network has been cut (a Case with AfterCut), or the loss is on
// (LossyPool).
func WaitForCut() { <-cut }

// Outcome waits up to timeout for p's result. It returns ErrNoLine if the
// call was still blocked then.
func (p *Process) Outcome(timeout time.Duration) (Outcome, error) {
	line, err := p.Wait("result", timeout)
	if err != nil {
		return Outcome{}, err
	}
	return parse[Outcome](line)
}
