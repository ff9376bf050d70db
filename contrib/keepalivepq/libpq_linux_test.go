package keepalivepq_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys/libpqcases"
)

// TestLibpqValues gives each of the cases libpq is checked on
// (TestLibpqParity in internal/libpqkeys/libpqcases), the ones
// keepalivepgx is tested on, to NewConnector, connects, and reads back
// what the socket holds: every key is read as libpq reads it. Effective
// says the same.
func TestLibpqValues(t *testing.T) {
	s := newFakeServer(t)
	for _, tc := range libpqcases.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			// A Config from code that no case gives, to show it is not used.
			c, err := keepalivepq.NewConnector(s.dsn(tc.Conn), keepalive.Within(20*time.Second))
			eff, on, effErr := keepalivepq.Effective(s.dsn(tc.Conn), keepalive.Within(20*time.Second))
			assert.Equal(t, err, effErr, "Effective's error is NewConnector's")
			if tc.Err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "keepalive: invalid "+tc.Err)
				var ke *keepalivepq.KeyError
				assert.True(t, errors.As(err, &ke), "%v is not a *KeyError", err)
				return
			}
			require.NoError(t, err)
			st := connect(t, c)
			assert.NotContains(t, s.last(), "keepalives", "libpq's keep-alive keys must not reach the server")
			assert.Equal(t, !tc.Off, on, "Effective")
			if tc.Off {
				assert.False(t, st.Enabled)
				return
			}
			assert.Equal(t, keepalive.State{Enabled: true, Config: libpqcases.WithSystem(t, tc.Cfg)}, st)
			assert.Equal(t, tc.Cfg, eff, "Effective")
		})
	}
}
