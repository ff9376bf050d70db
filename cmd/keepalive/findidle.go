package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// -connect -find-idle-timeout MAX finds the idle timeout of a path: how
// long a NAT gateway, load balancer or firewall on it keeps a flow that
// carries no packet. It opens one connection per idle time to try, all
// at once, each with keep-alive off on both ends (probes would keep the
// flow alive), and after its idle time sends a message that the far side,
// keepalive -listen, echoes. The first idle time after which the message
// does not come back (dropped silently, or the connection reset) is the
// answer, once the next longer one confirms it; so the search takes
// about as long as the answer, at most MAX.

// The far side's -listen tells probing connections from others by their
// first line, findHello and the longest idle time in seconds, and
// answers it with findOK, a space, its run (a random id of that -listen
// process, so that a restarted one is told from the path forgetting
// flows) and a newline; a -listen before runs answers findOK and a
// newline.
const (
	findHello = "keepalive find-idle-timeout "
	findOK    = "ok"
)

// idleSchedule is the idle times to try, up to max: every second up to
// a minute, then steps of at most 5%, and max itself.
func idleSchedule(max time.Duration) []time.Duration {
	var ts []time.Duration
	for t := time.Second; t < max; {
		ts = append(ts, t)
		step := time.Second
		if t >= time.Minute {
			step = (t / 20).Truncate(time.Second)
		}
		t += step
	}
	return append(ts, max)
}

// findIdleTimeout is -find-idle-timeout: it opens the probing
// connections, a few at a time, then reports their verdicts until the
// answer (awaitAnswer).
func findIdleTimeout(ctx context.Context, r *reporter, o options) error {
	if o.findIdle < time.Second || o.findIdle%time.Second != 0 {
		return errors.New("-find-idle-timeout must be whole seconds, at least 1s")
	}
	schedule := idleSchedule(o.findIdle)
	r.event("find", fields{"target": o.connect, "max": o.findIdle.String(), "connections": len(schedule)},
		fmt.Sprintf("idling %d connections to %s for 1s to %v; the first one forgotten answers", len(schedule), o.connect, o.findIdle))

	started := time.Now()
	probes := make([]probe, len(schedule))
	// Dial a few at a time: a burst of handshakes is not what is
	// measured. The first failure stops the rest.
	dctx, stopDialing := context.WithCancel(ctx)
	var dialErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, idle := range schedule {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p, err := openProbe(dctx, o, idle)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if dialErr == nil {
					dialErr = err
					stopDialing()
				}
				return
			}
			probes[i] = p
		}()
	}
	wg.Wait()
	stopDialing()
	if dialErr == nil && ctx.Err() != nil {
		dialErr = ctx.Err()
	}
	if dialErr != nil {
		for _, p := range probes {
			if p.conn != nil {
				p.conn.Close()
			}
		}
		return dialErr
	}
	// A flow reset or closed by a restarted -listen is not one the path
	// forgot: with a single -listen (not several behind a load balancer,
	// which answer with runs of their own), a check that loses its flow
	// asks for the run again.
	sameRun := probes[0].run != ""
	for _, p := range probes {
		sameRun = sameRun && p.run == probes[0].run
	}
	if sameRun {
		for i := range probes {
			probes[i].rerun = func(ctx context.Context) (string, error) {
				p, err := openProbe(ctx, o, 0)
				if err != nil {
					return "", err
				}
				p.conn.Close()
				return p.run, nil
			}
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	verdicts := make(chan verdict, len(probes))
	for i, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			verdicts <- p.check(ctx, i)
		}()
	}
	// Closing the connections wakes checks waiting for an echo.
	defer func() {
		cancel()
		for _, p := range probes {
			p.conn.Close()
		}
		wg.Wait()
	}()

	return awaitAnswer(ctx, r, o, probes, verdicts, started)
}

// awaitAnswer reads the probes' verdicts until they give the answer. Once
// ctx is done, every pending check returns an interrupted verdict, and
// select may pick those before ctx.Done: so any verdict that comes when
// ctx is done, or that is itself interrupted, ends the search as
// interrupted, and reports only what it had confirmed, never a timeout
// it did not observe.
func awaitAnswer(ctx context.Context, r *reporter, o options, probes []probe, verdicts <-chan verdict, started time.Time) error {
	found := make([]*verdict, len(probes))
	every := time.NewTicker(o.every)
	defer every.Stop()
	kept := time.Duration(0) // the longest idle time kept before the answer
	for {
		select {
		case v := <-verdicts:
			if v.interrupted || ctx.Err() != nil {
				return r.interrupted(probes, found, started)
			}
			if v.restarted {
				_, _, k := decide(found)
				kept := time.Duration(0)
				if k >= 0 {
					kept = probes[k].idle
				}
				return fmt.Errorf("idle %v: %s; the search cannot go on (flows idle up to %v were kept)", probes[v.i].idle, v.how, kept)
			}
			found[v.i] = &v
			p := probes[v.i]
			if v.kept {
				r.event("kept", fields{"idle_s": p.idle.Seconds()}, fmt.Sprintf("idle %v: the flow still carried data", p.idle))
			} else {
				r.event("forgotten", fields{"idle_s": p.idle.Seconds(), "how": v.how, "error": errString(v.err)},
					fmt.Sprintf("idle %v: %s (%v)", p.idle, v.how, v.err))
			}
			done, forgotten, k := decide(found)
			if k >= 0 {
				kept = probes[k].idle
			}
			switch {
			case done && forgotten >= 0:
				return r.answer(o, probes[forgotten].idle, kept, found[forgotten].how, time.Since(started))
			case done:
				return r.answer(o, 0, kept, "", time.Since(started))
			}
		case <-every.C:
			next := time.Duration(0)
			for i, f := range found {
				if f == nil {
					next = probes[i].idle
					break
				}
			}
			r.event("waiting", fields{"elapsed": time.Since(started).Round(time.Second).String(), "kept_s": kept.Seconds(), "next_s": next.Seconds()},
				fmt.Sprintf("%v: flows idle %v kept so far; next check at idle %v", time.Since(started).Round(time.Second), kept, next))
		case <-ctx.Done():
			return r.interrupted(probes, found, started)
		}
	}
}

// interrupted reports a search stopped before its answer: the longest
// idle time kept with every shorter one kept too, and the shortest one
// lost, if any, which no longer one confirmed.
func (r *reporter) interrupted(probes []probe, found []*verdict, started time.Time) error {
	_, _, k := decide(found)
	kept := time.Duration(0)
	if k >= 0 {
		kept = probes[k].idle
	}
	f := fields{"kept_s": kept.Seconds(), "unconfirmed_s": nil, "elapsed": time.Since(started).Round(time.Second).String()}
	text := fmt.Sprintf("interrupted after %v, before an answer: flows idle up to %v were kept", time.Since(started).Round(time.Second), kept)
	for i, v := range found {
		if v != nil && !v.kept && i > k {
			f["unconfirmed_s"], f["how"] = probes[i].idle.Seconds(), v.how
			text += fmt.Sprintf("; idle %v was lost once (%s), not confirmed", probes[i].idle, v.how)
			break
		}
	}
	r.event("interrupted", f, text+"; no idle timeout found")
	return nil
}

// decide reads the verdicts found so far, indexed like the idle times,
// shortest first. The answer is the first idle time forgotten, confirmed
// by the next one (a lone failure between two kept idle times is a lost
// message, not the middlebox), or by being the last; it is done once
// every shorter verdict is in. forgotten is the answer's index, -1 when
// every flow was kept; kept is the index of the longest idle time kept
// before it, -1 if none.
func decide(found []*verdict) (done bool, forgotten, kept int) {
	kept = -1
	for i, f := range found {
		switch {
		case f == nil || f.interrupted:
			return false, -1, kept
		case f.kept:
			kept = i
		case i+1 == len(found):
			return true, i, kept
		case found[i+1] == nil || found[i+1].interrupted:
			return false, -1, kept
		case !found[i+1].kept:
			return true, i, kept
		}
	}
	return true, -1, kept
}

// answer reports the result: the shortest idle time after which the
// path forgot a flow (0: none up to MAX), the longest it kept, and the
// Config whose probes keep flows through it.
func (r *reporter) answer(o options, forgotten, kept time.Duration, how string, took time.Duration) error {
	if forgotten == 0 {
		r.event("idle-timeout", fields{"idle_timeout_s": nil, "kept_s": kept.Seconds(), "took": took.Round(time.Second).String(), "config": o.cfg.String()},
			fmt.Sprintf("no idle timeout up to %v: flows idle that long still carried data (took %v)", kept, took.Round(time.Second)))
		return nil
	}
	// Under takes the longest idle time kept: the timeout is above it,
	// and at or below the one forgotten.
	under := o.cfg.Under(max(kept, time.Second))
	r.event("idle-timeout", fields{"idle_timeout_s": forgotten.Seconds(), "kept_s": kept.Seconds(), "how": how, "took": took.Round(time.Second).String(),
		"config": o.cfg.String(), "under": under.String()},
		fmt.Sprintf("the path forgets flows idle %v (%s; idle %v was kept; took %v): -config %v,under=%v gives %v", forgotten, how, kept, took.Round(time.Second), o.cfg, max(kept, time.Second), under))
	return nil
}
