package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIdleSchedule(t *testing.T) {
	for _, max := range []time.Duration{time.Second, 20 * time.Second, 10 * time.Minute, 2 * time.Hour} {
		ts := idleSchedule(max)
		assert.Equal(t, time.Second, ts[0])
		assert.Equal(t, max, ts[len(ts)-1])
		for i := 1; i < len(ts); i++ {
			step := ts[i] - ts[i-1]
			assert.Positive(t, step)
			assert.Zero(t, ts[i]%time.Second, "whole seconds")
			if ts[i] <= time.Minute {
				assert.Equal(t, time.Second, step, "1s resolution below a minute")
			} else {
				assert.LessOrEqual(t, float64(step), 0.05*float64(ts[i]), "at most 5%% above a minute: %v after %v", ts[i], ts[i-1])
			}
		}
		t.Logf("MAX %v: %d connections", max, len(ts))
	}
	assert.Len(t, idleSchedule(10*time.Minute), 111, "MAX=10m idles 111 connections at once")
}

// TestFindIdleTimeoutLoopback: loopback has no middlebox: every flow is
// kept up to MAX, and the answer is null.
func TestFindIdleTimeoutLoopback(t *testing.T) {
	needLinux(t)
	var server syncBuffer
	addr := startListen(t, &server)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-json", "-connect", addr, "-find-idle-timeout", "3s", "-every", "1s"}, &out, &out))
	evs := events(t, out.String())
	last := evs[len(evs)-1]
	assert.Equal(t, "idle-timeout", last["event"])
	assert.Contains(t, last, "idle_timeout_s")
	assert.Nil(t, last["idle_timeout_s"])
	assert.Equal(t, float64(3), last["kept_s"])
	var kept int
	for _, ev := range evs {
		if ev["event"] == "kept" {
			kept++
		}
	}
	assert.Equal(t, 3, kept)
	assert.Equal(t, 3, strings.Count(server.String(), "a -find-idle-timeout probe: keep-alive off, echoing"), server.String())
}

func TestFindIdleTimeoutBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"without connect", []string{"-find-idle-timeout", "10s"}, "-find-idle-timeout goes with -connect"},
		{"with hold", []string{"-connect", "a:1", "-hold", "1s", "-find-idle-timeout", "10s"}, "not -hold"},
		{"fractions", []string{"-connect", "a:1", "-find-idle-timeout", "1500ms"}, "whole seconds"},
		{"not keepalive -listen", []string{"-connect", peer(t, func(c net.Conn) { io.Copy(io.Discard, c) }), "-find-idle-timeout", "2s", "-timeout", "500ms"}, "did not answer as keepalive -listen does"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fails(t, tt.args, tt.want)
		})
	}
}

func TestDecide(t *testing.T) {
	const k, f = "kept", "forgotten"
	for _, tt := range []struct {
		name      string
		verdicts  []string // "" not in yet
		done      bool
		forgotten int
		kept      int
	}{
		{"all kept", []string{k, k, k}, true, -1, 2},
		{"waiting for the first", []string{"", k, k}, false, -1, -1},
		{"the last kept before a shorter one is in", []string{k, "", k}, false, -1, 0},
		{"forgotten, confirmed", []string{k, k, f, f, ""}, true, 2, 1},
		{"forgotten, not yet confirmed", []string{k, k, f, "", ""}, false, -1, 1},
		{"a lone failure is a lost message", []string{k, f, k, f, f}, true, 3, 2},
		{"the last one forgotten needs no confirmation", []string{k, k, f}, true, 2, 1},
		{"the first one forgotten", []string{f, f}, true, 0, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			found := make([]*verdict, len(tt.verdicts))
			for i, v := range tt.verdicts {
				if v != "" {
					found[i] = &verdict{i: i, kept: v == k}
				}
			}
			done, forgotten, kept := decide(found)
			assert.Equal(t, tt.done, done)
			assert.Equal(t, tt.forgotten, forgotten)
			assert.Equal(t, tt.kept, kept)
		})
	}
}

// TestFindIdleInterrupted: an interrupted search reports that it was
// interrupted and what it had confirmed, never an idle timeout, whether
// the loop sees the checks' interrupted verdicts before ctx.Done (as
// select may pick them) or ctx.Done first (issue 18, 2). Each case is
// decided by the verdicts queued, not by select's choice.
func TestFindIdleInterrupted(t *testing.T) {
	probes := []probe{{idle: time.Second}, {idle: 2 * time.Second}, {idle: 3 * time.Second}, {idle: 4 * time.Second}}
	interrupted := func(i int) verdict {
		return verdict{i: i, interrupted: true, how: "interrupted", err: context.Canceled}
	}
	for _, tt := range []struct {
		name        string
		cancel      bool // ctx is done before the loop starts
		verdicts    []verdict
		kept        float64
		unconfirmed any
	}{
		{"interrupted verdicts before ctx.Done", false, []verdict{{i: 0, kept: true}, interrupted(1), interrupted(2), interrupted(3)}, 1, nil},
		{"ctx done, interrupted verdicts queued", true, []verdict{interrupted(1), interrupted(2), interrupted(3)}, 0, nil},
		{"one loss, not confirmed", false, []verdict{{i: 0, kept: true}, {i: 1, how: "closed (EOF)", err: io.EOF}, interrupted(2), interrupted(3)}, 1, float64(2)},
		{"ctx done, real verdicts queued", true, []verdict{{i: 0, kept: true}, {i: 1, how: "closed (EOF)"}, {i: 2, how: "closed (EOF)"}}, 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			verdicts := make(chan verdict, len(tt.verdicts))
			for _, v := range tt.verdicts {
				verdicts <- v
			}
			var out bytes.Buffer
			r := &reporter{w: &out, json: true}
			require.NoError(t, awaitAnswer(ctx, r, options{every: time.Hour}, probes, verdicts, time.Now()))
			evs := events(t, out.String())
			last := evs[len(evs)-1]
			assert.Equal(t, "interrupted", last["event"], out.String())
			assert.Equal(t, tt.kept, last["kept_s"])
			assert.Equal(t, tt.unconfirmed, last["unconfirmed_s"])
			assert.NotContains(t, out.String(), "idle-timeout")
		})
	}
}

// TestFindIdleListenRestarted: flows closed by a -listen that restarted
// are not flows the path forgot. The far side's run, in its answer to
// the hello, tells them apart: the search stops with an error naming the
// restart, not with an idle timeout (issue 18, 2).
func TestFindIdleListenRestarted(t *testing.T) {
	needLinux(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	var first, second syncBuffer
	stopFirst := runListen(t, addr, &first)
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"-json", "-connect", addr, "-find-idle-timeout", "3s", "-every", "1h"}, &out, &out)
	}()
	require.Eventually(t, func() bool { return strings.Count(first.String(), "a -find-idle-timeout probe") == 3 }, 5*time.Second, 10*time.Millisecond)
	stopFirst()
	runListen(t, addr, &second)
	err = <-done
	require.Error(t, err, out.String())
	assert.Contains(t, err.Error(), "restarted")
	assert.NotContains(t, out.String(), `"event":"idle-timeout"`)
}

// TestFindIdleListenWithoutRuns: a -listen from before runs answers the
// hello with "ok" alone; the search works with it, and cannot tell a
// restart (docs/middleboxes.md says so).
func TestFindIdleListenWithoutRuns(t *testing.T) {
	needLinux(t)
	addr := peer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := br.ReadString('\n'); err != nil {
			return
		}
		io.WriteString(c, "ok\n")
		io.Copy(c, br)
	})
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-json", "-connect", addr, "-find-idle-timeout", "1s"}, &out, &out))
	evs := events(t, out.String())
	last := evs[len(evs)-1]
	assert.Equal(t, "idle-timeout", last["event"])
	assert.Nil(t, last["idle_timeout_s"])
}
