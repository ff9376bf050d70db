package keepalive

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrackerShrinks checks that a collection after a burst of closed
// connections gives back the memory the burst took.
func TestTrackerShrinks(t *testing.T) {
	tr := NewTracker(TrackerOptions{})
	defer tr.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	tracked := tr.Listener(ln)
	var keep []net.Conn
	defer func() {
		for _, c := range keep {
			c.Close()
		}
	}()
	for i := range 3000 {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		a, err := tracked.Accept()
		require.NoError(t, err)
		if i%100 == 0 {
			keep = append(keep, c, a)
			continue
		}
		c.Close()
		a.Close()
	}
	require.GreaterOrEqual(t, cap(tr.entries), 2048)
	require.NoError(t, tr.Collect(context.Background(), nil))
	assert.Equal(t, 30, tr.Len())
	assert.Less(t, cap(tr.entries), 1024)
	assert.Len(t, tr.index, 30)
	for i, e := range tr.entries {
		assert.Equal(t, int32(i), tr.index[e.addr])
	}
}
