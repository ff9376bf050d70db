package keepalivepgx_test

import (
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
)

// What libpq does with a value on Linux (Debian 12's libpq 15.18, run by
// TestLibpqParity).
const (
	libpqOK         = "ok"         // connects with it
	libpqInvalid    = "invalid"    // "invalid integer value … for connection option …"
	libpqSetsockopt = "setsockopt" // the kernel refuses what libpq sets: "setsockopt(TCP_KEEPIDLE) failed: Invalid argument"
)

const sys = keepalive.System

// A libpqCase is one key=value of a connection string, as in libpq's
// src/interfaces/libpq/fe-connect.c (PostgreSQL 18): useKeepalives and
// setKeepalivesIdle, setKeepalivesInterval, setKeepalivesCount,
// setTCPUserTimeout, each reading its value with pqParseIntParam
// (strtol base 10, spaces around allowed, no trailing junk, within a C
// int) and making a negative value 0.
type libpqCase struct {
	name  string
	conn  string           // key=value pairs of a connection string
	off   bool             // keep-alive off
	cfg   keepalive.Config // otherwise: what the socket holds, System for the system's value
	err   string           // or: the error names this
	libpq string           // what libpq does with conn on Linux
}

var libpqCases = []libpqCase{
	// useKeepalives: any integer but 0 is on; the timers are the
	// system's where no key sets them.
	{name: "keepalives=1", conn: "keepalives=1", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "keepalives=2", conn: "keepalives=2", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "keepalives=-1", conn: "keepalives=-1", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "keepalives spaces", conn: "keepalives=' 1 '", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "keepalives=0", conn: "keepalives=0", off: true, libpq: libpqOK},
	{name: "keepalives=0 reads no other key", conn: "keepalives=0 keepalives_idle=x tcp_user_timeout=x", off: true, libpq: libpqOK},
	{name: "keepalives=x", conn: "keepalives=x", err: `keepalives "x"`, libpq: libpqInvalid},
	{name: "keepalives empty", conn: "keepalives=''", err: `keepalives ""`, libpq: libpqInvalid},
	{name: "keepalives=1.0", conn: "keepalives=1.0", err: `keepalives "1.0"`, libpq: libpqInvalid},

	// setKeepalivesIdle: seconds.
	{name: "idle=30", conn: "keepalives_idle=30", cfg: keepalive.Config{Idle: 30 * time.Second, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "idle spaces", conn: "keepalives_idle=' 30 '", cfg: keepalive.Config{Idle: 30 * time.Second, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "idle sign", conn: "keepalives_idle=+30", cfg: keepalive.Config{Idle: 30 * time.Second, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "idle leading zeros", conn: "keepalives_idle=007", cfg: keepalive.Config{Idle: 7 * time.Second, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "idle=32767", conn: "keepalives_idle=32767", cfg: keepalive.Config{Idle: 32767 * time.Second, Interval: sys, Count: sys}, libpq: libpqOK},
	// libpq documents 0 as the system's value, and hands 0 to the
	// kernel; Linux refuses it, so the connection fails. keepalivepgx
	// does what libpq documents.
	{name: "idle=0", conn: "keepalives_idle=0", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqSetsockopt},
	{name: "idle=-1", conn: "keepalives_idle=-1", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqSetsockopt},
	{name: "idle=-2147483648", conn: "keepalives_idle=-2147483648", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqSetsockopt},
	{name: "idle=32768", conn: "keepalives_idle=32768", err: `keepalives_idle "32768": above 32767 s`, libpq: libpqSetsockopt},
	{name: "idle=2147483648", conn: "keepalives_idle=2147483648", err: `keepalives_idle "2147483648": not an integer`, libpq: libpqInvalid},
	{name: "idle=-2147483649", conn: "keepalives_idle=-2147483649", err: `keepalives_idle "-2147483649"`, libpq: libpqInvalid},
	{name: "idle=30s", conn: "keepalives_idle=30s", err: `keepalives_idle "30s"`, libpq: libpqInvalid},
	{name: "idle=1.5", conn: "keepalives_idle=1.5", err: `keepalives_idle "1.5"`, libpq: libpqInvalid},
	{name: "idle=0x10", conn: "keepalives_idle=0x10", err: `keepalives_idle "0x10"`, libpq: libpqInvalid},
	{name: "idle=1e3", conn: "keepalives_idle=1e3", err: `keepalives_idle "1e3"`, libpq: libpqInvalid},
	{name: "idle='5 x'", conn: "keepalives_idle='5 x'", err: `keepalives_idle "5 x"`, libpq: libpqInvalid},
	{name: "idle='- 5'", conn: "keepalives_idle='- 5'", err: `keepalives_idle "- 5"`, libpq: libpqInvalid},
	{name: "idle empty", conn: "keepalives_idle=''", err: `keepalives_idle ""`, libpq: libpqInvalid},
	// Issue 18: one key's value never sets another's.
	{name: "idle with commas", conn: "keepalives_idle='30,count=1,user-timeout=1ms'", err: `keepalives_idle "30,count=1,user-timeout=1ms"`, libpq: libpqInvalid},

	// setKeepalivesInterval: seconds.
	{name: "interval=5", conn: "keepalives_interval=5", cfg: keepalive.Config{Idle: sys, Interval: 5 * time.Second, Count: sys}, libpq: libpqOK},
	{name: "interval=0", conn: "keepalives_interval=0", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqSetsockopt},
	{name: "interval=-5", conn: "keepalives_interval=-5", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqSetsockopt},
	{name: "interval=32768", conn: "keepalives_interval=32768", err: `keepalives_interval "32768": above 32767 s`, libpq: libpqSetsockopt},
	{name: "interval=5s", conn: "keepalives_interval=5s", err: `keepalives_interval "5s"`, libpq: libpqInvalid},

	// setKeepalivesCount: a count.
	{name: "count=3", conn: "keepalives_count=3", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: 3}, libpq: libpqOK},
	{name: "count=127", conn: "keepalives_count=127", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: 127}, libpq: libpqOK},
	{name: "count=0", conn: "keepalives_count=0", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqSetsockopt},
	{name: "count=-3", conn: "keepalives_count=-3", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqSetsockopt},
	{name: "count=128", conn: "keepalives_count=128", err: `keepalives_count "128": outside 1–127`, libpq: libpqSetsockopt},
	{name: "count=500", conn: "keepalives_count=500", err: `keepalives_count "500": outside 1–127`, libpq: libpqSetsockopt},
	{name: "count with commas", conn: "keepalives_count='3,idle=1'", err: `keepalives_count "3,idle=1"`, libpq: libpqInvalid},

	// setTCPUserTimeout: milliseconds; 0 is no user timeout, the
	// kernel's default.
	{name: "user timeout=45000", conn: "tcp_user_timeout=45000", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys, UserTimeout: 45 * time.Second}, libpq: libpqOK},
	{name: "user timeout=1", conn: "tcp_user_timeout=1", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys, UserTimeout: time.Millisecond}, libpq: libpqOK},
	{name: "user timeout=2147483647", conn: "tcp_user_timeout=2147483647", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys, UserTimeout: 2147483647 * time.Millisecond}, libpq: libpqOK},
	{name: "user timeout=0", conn: "tcp_user_timeout=0", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "user timeout=-5", conn: "tcp_user_timeout=-5", cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, libpq: libpqOK},
	{name: "user timeout=2147483648", conn: "tcp_user_timeout=2147483648", err: `tcp_user_timeout "2147483648"`, libpq: libpqInvalid},
	{name: "user timeout=45s", conn: "tcp_user_timeout=45s", err: `tcp_user_timeout "45s"`, libpq: libpqInvalid},

	// All of them.
	{name: "all", conn: "keepalives=1 keepalives_idle=30 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=45000",
		cfg: keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}, libpq: libpqOK},
}

// withSystem is c with System fields replaced by the system's values, as
// the kernel reports them for a socket that never set them.
func withSystem(t *testing.T, c keepalive.Config) keepalive.Config {
	t.Helper()
	s, err := keepalive.SystemDefaults()
	require.NoError(t, err)
	if c.Idle == sys {
		c.Idle = s.Config.Idle
	}
	if c.Interval == sys {
		c.Interval = s.Config.Interval
	}
	if c.Count == sys {
		c.Count = s.Config.Count
	}
	return c
}

// TestLibpqValues gives each case to ParseConfig and reads back what
// the dialed socket holds.
func TestLibpqValues(t *testing.T) {
	for _, tc := range libpqCases {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := keepalivepgx.ParseConfig("host=127.0.0.1 user=app sslmode=disable application_name=x " + tc.conn)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				var ke *keepalivepgx.KeyError
				assert.True(t, errors.As(err, &ke), "%v is not a *KeyError", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams, "libpq's keep-alive keys must not reach the server")
			st := dialState(t, cc.DialFunc)
			if tc.off {
				assert.False(t, st.Enabled)
				return
			}
			assert.Equal(t, keepalive.State{Enabled: true, Config: withSystem(t, tc.cfg)}, st)
		})
	}
}

// TestReadKeys checks what ReadKeys reports, and that it leaves the
// config as it is.
func TestReadKeys(t *testing.T) {
	for _, tc := range libpqCases {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := pgx.ParseConfig("host=127.0.0.1 " + tc.conn)
			require.NoError(t, err)
			params := maps.Clone(cc.RuntimeParams)
			k, err := keepalivepgx.ReadKeys(&cc.Config)
			assert.Equal(t, params, cc.RuntimeParams)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			want := keepalivepgx.Keys{Given: true, Off: tc.off}
			if !tc.off {
				want.Config = tc.cfg
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
