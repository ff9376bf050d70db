package keepalive_test

// Timeout and Coherent: the bound a Config puts on noticing a dead peer,
// and whether its user timeout agrees with its probes.

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

func TestTimeout(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    keepalive.Config
		want time.Duration
	}{
		{"Go's defaults", keepalive.Config{}, 15*time.Second + 9*15*time.Second},
		{"plain", keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}, 5 * time.Second},
		{"rounded up", keepalive.Config{Idle: 1500 * time.Millisecond, Interval: time.Nanosecond, Count: 2}, 4 * time.Second},
		// gRPC's trap (grpc-go #6250): one lost probe drops the connection.
		{"user timeout below first interval", keepalive.Config{UserTimeout: 20 * time.Second}, 30 * time.Second},
		{"user timeout between probes", keepalive.Config{Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 9, UserTimeout: 21 * time.Second}, 25 * time.Second},
		{"user timeout on a probe", keepalive.Config{Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 9, UserTimeout: 20 * time.Second}, 20 * time.Second},
		{"user timeout beyond count", keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 10 * time.Second}, 10 * time.Second},
		// An invalid Config bounds nothing: no limit passes its Timeout.
		{"invalid", keepalive.Config{Count: -3}, math.MaxInt64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			skipUnsupported(t, tt.c)
			skipUnsupported(t, keepalive.Config{Count: 9}) // Go's default count is 9 only where it can be set
			assert.Equal(t, tt.want, tt.c.Timeout())
		})
	}
}

func TestCoherent(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    keepalive.Config
		ok   bool
	}{
		{"no user timeout", keepalive.Config{}, true},
		{"agrees with count", keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 5 * time.Second}, true},
		{"just above count-1", keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 4001 * time.Millisecond}, true},
		{"one lost probe drops", keepalive.Config{UserTimeout: 20 * time.Second}, false},
		{"more probes than count", keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 6 * time.Second}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			skipUnsupported(t, tt.c)
			skipUnsupported(t, keepalive.Config{Count: 9})
			err := tt.c.Coherent()
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "overrides Count")
		})
	}
	t.Run("message", func(t *testing.T) {
		c := keepalive.Config{UserTimeout: 20 * time.Second}
		skipUnsupported(t, c)
		skipUnsupported(t, keepalive.Config{Count: 9})
		assert.Contains(t, c.Coherent().Error(), "after 1 unanswered probe(s) at 30s, not after 9 at 2m30s")
	})
}
