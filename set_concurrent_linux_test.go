package keepalive_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

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
