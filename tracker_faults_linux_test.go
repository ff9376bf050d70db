package keepalive_test

import (
	"context"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// TestTrackerLetsGoFinalizeLeaks drops tracked connections unclosed and
// checks that Go's finalizer still closes their sockets and that the
// Tracker lets them go.
func TestTrackerLetsGoFinalizeLeaks(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := listen(t, nil)
	var accepted []net.Conn
	defer func() {
		for _, c := range accepted {
			c.Close()
		}
	}()
	before := openFDs(t)
	// Held until all 50 are tracked: a GC during the dials would let the
	// Tracker release some already, as later dials sweep.
	leaked := make([]net.Conn, 0, 50)
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	for range 50 {
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		a, err := ln.Accept()
		require.NoError(t, err)
		accepted = append(accepted, a)
		leaked = append(leaked, c)
	}
	require.Equal(t, 50, tr.Len())
	clear(leaked) // dropped unclosed
	require.Eventually(t, func() bool {
		runtime.GC()
		return openFDs(t) <= before+50
	}, 10*time.Second, 20*time.Millisecond, "Go's finalizer did not close the leaked connections")
	require.NoError(t, tr.Collect(context.Background(), nil))
	assert.Equal(t, 0, tr.Len())
}

// TestTrackerStormOfCloses collects while connections are dialed,
// closed and dropped, and checks nothing is left over.
func TestTrackerStormOfCloses(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := tr.Listener(listen(t, nil))
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	})
	stop := make(chan struct{})
	var collections atomic.Int64
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			assert.NoError(t, tr.Collect(context.Background(), func(r *keepalive.Reading) bool {
				keepalive.ReportError(nil, io.EOF)
				return true
			}))
			collections.Add(1)
		}
	})
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	var dials sync.WaitGroup
	for range 4 {
		dials.Go(func() {
			for range 100 {
				c, err := d.Dial("tcp", ln.Addr().String())
				if !assert.NoError(t, err) {
					return
				}
				keepalive.Check(c)
				c.Close()
			}
		})
	}
	dials.Wait()
	close(stop)
	ln.Close()
	wg.Wait()
	require.NoError(t, tr.Collect(context.Background(), nil))
	assert.Equal(t, 0, tr.Len())
	assert.Positive(t, collections.Load())
}

// TestTrackerCollectStops checks that Collect stops when f says so and
// when its context ends.
func TestTrackerCollectStops(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := listen(t, nil)
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	for range 3 {
		pair(t, ln, d)
	}
	n := 0
	require.NoError(t, tr.Collect(context.Background(), func(*keepalive.Reading) bool { n++; return false }))
	assert.Equal(t, 1, n)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n = 0
	err := tr.Collect(ctx, func(*keepalive.Reading) bool { n++; return true })
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, n)
	assert.Equal(t, 3, tr.Len(), "nothing lost by a stopped collection")
	assert.Len(t, collect(t, tr), 3)
}

// TestTrackerNil calls every method of a nil Tracker.
func TestTrackerNil(t *testing.T) {
	var tr *keepalive.Tracker
	ctx := context.Background()
	assert.ErrorIs(t, tr.Collect(ctx, func(*keepalive.Reading) bool { return true }), keepalive.ErrNilTracker)
	assert.ErrorIs(t, tr.PeerCounts(func(*keepalive.Counts) bool { return true }), keepalive.ErrNilTracker)
	assert.ErrorIs(t, tr.Close(), keepalive.ErrNilTracker)
	assert.Zero(t, tr.Len())
	assert.Zero(t, tr.GoneAfter())
	tr.Subscribe(func(keepalive.Event) {})()
	_, err := tr.Listen(ctx, "tcp", "127.0.0.1:0", keepalive.Config{})
	assert.ErrorIs(t, err, keepalive.ErrNilTracker)

	ln := listen(t, nil)
	dialed, accepted := pair(t, tr.Listener(ln), keepalive.NewDialer(keepalive.WithTracker(tr)))
	before := sockettest.ReadKernel(t, dialed)
	err = tr.Set(dialed, sockettest.Config)
	require.ErrorIs(t, err, keepalive.ErrNilTracker)
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, before, sockettest.ReadKernel(t, dialed), "nothing set")
	assert.ErrorIs(t, tr.Track(accepted), keepalive.ErrNilTracker)
}

// TestTrackerClosed uses a Tracker after Close.
func TestTrackerClosed(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	ln := tr.Listener(listen(t, nil))
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	a, _ := pair(t, ln, d)
	keepalive.ReportPoolCheck(a, keepalive.PoolKept, nil)
	require.NoError(t, tr.Close())
	require.NoError(t, tr.Close())
	ctx := context.Background()
	assert.ErrorIs(t, tr.Collect(ctx, func(*keepalive.Reading) bool { return true }), keepalive.ErrTrackerClosed)
	assert.Zero(t, tr.Len())
	dialed, accepted := pair(t, ln, d)
	assert.Zero(t, tr.Len(), "nothing tracked after Close")
	assert.ErrorIs(t, tr.Track(dialed), keepalive.ErrTrackerClosed)
	before := sockettest.ReadKernel(t, accepted)
	assert.ErrorIs(t, tr.Set(accepted, sockettest.Config), keepalive.ErrTrackerClosed)
	assert.Equal(t, before, sockettest.ReadKernel(t, accepted), "nothing set")
	c := peerCounts(t, tr)["127.0.0.1"]
	assert.Equal(t, uint64(1), c.PoolChecks[keepalive.PoolKept], "counts outlive Close")
	_, err := tr.Listen(ctx, "tcp", "127.0.0.1:0", keepalive.Config{})
	assert.ErrorIs(t, err, keepalive.ErrTrackerClosed)
}

// TestTrackerScrapeTimeout ends the context during a collection, as a
// scrape timeout does: Collect stops within a batch, says why, and
// loses no connection.
func TestTrackerScrapeTimeout(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := tr.Listener(listen(t, nil))
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	for range 150 {
		pair(t, ln, d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := tr.Collect(ctx, func(*keepalive.Reading) bool { n++; cancel(); return true })
	require.ErrorIs(t, err, context.Canceled)
	assert.LessOrEqual(t, n, 256)
	assert.Equal(t, 300, tr.Len())
	n = 0
	require.NoError(t, tr.Collect(context.Background(), func(*keepalive.Reading) bool { n++; return true }))
	assert.Equal(t, 300, n)
}

// TestTrackerShortLived100k tracks 100,000 short-lived connections at both
// ends (dialed with WithTracker, accepted through Tracker.Listener), each
// closed by its user, and checks that a collection leaves none behind and
// that the process holds no more descriptors than before. The dialed end
// closes with SO_LINGER 0, so that no TIME_WAIT ties up the ports.
func TestTrackerShortLived100k(t *testing.T) {
	const n = 100000
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := tr.Listener(listen(t, nil))
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	before := openFDs(t)
	for i := range n {
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err, "dial %d", i)
		a, err := ln.Accept()
		require.NoError(t, err, "accept %d", i)
		require.NoError(t, c.(*net.TCPConn).SetLinger(0))
		c.Close()
		a.Close()
	}
	require.NoError(t, tr.Collect(context.Background(), nil))
	assert.Equal(t, 0, tr.Len(), "closed connections left in the Tracker")
	assert.LessOrEqual(t, openFDs(t), before, "descriptors left open")
	t.Logf("%d short-lived connections tracked at both ends; none left after a collection", n)
}

// TestTrackerCollectNilContext: a nil context is an error saying so, not
// a panic with the Tracker's lock held; the Tracker collects afterwards.
func TestTrackerCollectNilContext(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	pair(t, tr.Listener(listen(t, nil)), keepalive.NewDialer(keepalive.WithTracker(tr)))
	var nilCtx context.Context
	assert.NotPanics(t, func() {
		assert.ErrorContains(t, tr.Collect(nilCtx, nil), "nil context")
	})
	n := 0
	require.NoError(t, tr.Collect(context.Background(), func(*keepalive.Reading) bool { n++; return true }))
	assert.Equal(t, 2, n)
}
