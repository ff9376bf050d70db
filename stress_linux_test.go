package keepalive_test

// Many connections and goroutines at once: no descriptor leaks, and
// Set and Get safe side by side.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// TestNoLeaks dials, accepts and sets thousands of times and counts the
// process's descriptors; goleak (TestMain) checks goroutines.
func TestNoLeaks(t *testing.T) {
	const n = 2000
	ln := keepalive.WrapListener(listen(t, listenConfig(cfg)), cfg)
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	before := fdCount(t)
	done := make(chan error, 1)
	go func() {
		for range n {
			c, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			if err := keepalive.Set(c, cfg); err != nil {
				done <- err
				return
			}
			c.Close()
		}
		done <- nil
	}()
	for range n {
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		require.NoError(t, keepalive.Set(c, cfg))
		_, err = keepalive.Get(c)
		require.NoError(t, err)
		require.NoError(t, c.Close())
	}
	require.NoError(t, <-done)
	assert.LessOrEqual(t, fdCount(t), before, "descriptors leaked")
}

func TestConcurrentUse(t *testing.T) {
	ln := keepalive.WrapListener(listen(t, listenConfig(cfg)), cfg)
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	concurrentUse(t, ln, func(ctx context.Context, addr string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	})
}

// TestConcurrentUseFailsWhenADialFails: a dial that fails must end the
// test with an error, not leave the acceptors waiting for connections
// that never come until the 10-minute test timeout.
func TestConcurrentUseFailsWhenADialFails(t *testing.T) {
	ln := listen(t, nil)
	var dials atomic.Int64
	refused := errors.New("dial refused by the test")
	var rec recorder
	done := make(chan struct{})
	go func() {
		defer close(done)
		concurrentUse(&rec, ln, func(ctx context.Context, addr string) (net.Conn, error) {
			if dials.Add(1) == 10 {
				return nil, refused
			}
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		ln.Close() // unblock it, so that it does not leak
		<-done
		t.Fatal("concurrentUse still running 30s after a dial failed")
	}
	assert.True(t, rec.failed(), "concurrentUse passed although a dial failed")
	assert.Contains(t, rec.String(), refused.Error())
}

// recorder is an assert.TestingT that keeps what it is told.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs) > 0
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// concurrentUse dials ln from 8 goroutines and sets and reads back cfg on
// both ends from 16, 50 connections each. Every wait is bounded: a failed
// dial closes the listener, which ends the acceptors' wait, and every
// dial has a deadline.
func concurrentUse(t assert.TestingT, ln net.Listener, dial func(ctx context.Context, addr string) (net.Conn, error)) {
	var stop sync.Once
	abort := func() { stop.Do(func() { ln.Close() }) }
	defer abort()
	var wg sync.WaitGroup
	accepted := make(chan net.Conn, 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var workers sync.WaitGroup
	for range 8 {
		workers.Add(2)
		go func() {
			defer workers.Done()
			for range 50 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				c, err := dial(ctx, ln.Addr().String())
				cancel()
				if !assert.NoError(t, err) {
					abort() // no connection is coming: wake the acceptors
					return
				}
				setAndGet(t, c)
			}
		}()
		go func() {
			defer workers.Done()
			for range 50 {
				c, ok := <-accepted
				if !ok {
					return
				}
				setAndGet(t, c)
			}
		}()
	}
	workers.Wait()
	abort()
	wg.Wait()
	for c := range accepted { // accepted after the workers stopped taking them
		c.Close()
	}
}

// setAndGet sets cfg on c, reads it back, and closes c; safe from any
// goroutine.
func setAndGet(t assert.TestingT, c net.Conn) {
	defer c.Close()
	assert.NoError(t, keepalive.Set(c, cfg))
	st, err := keepalive.Get(c)
	assert.NoError(t, err)
	assert.Equal(t, cfg, st.Config)
}

// TestSetConcurrent: Set calls with different Configs on one connection,
// and Get calls beside them, never leave or see a mix of two Configs: a
// Set's options are applied, and a Get's read, as one step. Read back
// from the kernel.
func TestSetConcurrent(t *testing.T) {
	a := keepalive.Config{Idle: 11 * time.Second, Interval: 2 * time.Second, Count: 3, UserTimeout: 17 * time.Second}
	b := keepalive.Config{Idle: 31 * time.Second, Interval: 7 * time.Second, Count: 5, UserTimeout: 66 * time.Second}
	conn, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, keepalive.Set(conn, a))
	var mixed []keepalive.Config
	var mu sync.Mutex
	seen := func(c keepalive.Config) {
		if c != a && c != b {
			mu.Lock()
			mixed = append(mixed, c)
			mu.Unlock()
		}
	}
	for range 3000 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range []keepalive.Config{a, b, a, b} {
			wg.Go(func() {
				<-start
				assert.NoError(t, keepalive.Set(conn, c))
			})
		}
		wg.Go(func() {
			<-start
			for range 4 {
				st, err := keepalive.Get(conn)
				assert.NoError(t, err)
				seen(st.Config)
			}
		})
		close(start)
		wg.Wait()
		st, err := keepalive.Get(conn)
		require.NoError(t, err)
		seen(st.Config)
	}
	assert.Empty(t, mixed, "states mixing %v and %v", a, b)
}
