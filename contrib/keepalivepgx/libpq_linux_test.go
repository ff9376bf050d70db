package keepalivepgx_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys/libpqcases"
)

// TestLibpqValues gives each of the cases libpq is checked on
// (TestLibpqParity in internal/libpqkeys/libpqcases) to ParseConfig and reads back what
// the dialed socket holds.
func TestLibpqValues(t *testing.T) {
	for _, tc := range libpqcases.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			cc, err := keepalivepgx.ParseConfig("host=127.0.0.1 user=app sslmode=disable application_name=x "+tc.Conn, keepalive.Config{})
			if tc.Err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.Err)
				var ke *keepalivepgx.KeyError
				assert.True(t, errors.As(err, &ke), "%v is not a *KeyError", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams, "libpq's keep-alive keys must not reach the server")
			st := dialState(t, cc.DialFunc)
			if tc.Off {
				assert.False(t, st.Enabled)
				return
			}
			assert.Equal(t, keepalive.State{Enabled: true, Config: libpqcases.WithSystem(t, tc.Cfg)}, st)
		})
	}
}

// TestReadKeys checks what ReadKeys reports, and that it leaves the
// config as it is.
func TestReadKeys(t *testing.T) {
	for _, tc := range libpqcases.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			cc, err := pgx.ParseConfig("host=127.0.0.1 " + tc.Conn)
			require.NoError(t, err)
			params := maps.Clone(cc.RuntimeParams)
			k, err := keepalivepgx.ReadKeys(&cc.Config)
			assert.Equal(t, params, cc.RuntimeParams)
			if tc.Err != "" {
				assert.ErrorContains(t, err, tc.Err)
				return
			}
			require.NoError(t, err)
			want := keepalivepgx.Keys{Given: true, Off: tc.Off}
			if !tc.Off {
				want.Config = tc.Cfg
			}
			assert.Equal(t, want, k)
		})
	}
	cc, err := pgx.ParseConfig("host=127.0.0.1")
	require.NoError(t, err)
	k, err := keepalivepgx.ReadKeys(&cc.Config)
	require.NoError(t, err)
	assert.Equal(t, keepalivepgx.Keys{}, k)
	_, err = keepalivepgx.ReadKeys(nil)
	assert.Error(t, err)
}
