package keepalive_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"context"
	"os"
	"path/filepath"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestMain fails the run if any test leaves a goroutine behind, the way a
// listener wrapper or a hook could, and prints which integration tests
// ran and which skipped (netns.Summarised).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

// Loopback listeners and connections, shared with internal/integration's
// tests (internal/sockettest).
var (
	pair         = sockettest.Pair
	listen       = sockettest.Listen
	listenConfig = sockettest.ListenConfig
)

// skipUnsupported skips a test of c where the running system lacks an
// option c sets (a probe count on Windows before 10 1703 and under Wine,
// a user timeout on NetBSD): platform_test.go checks every system's
// table on every system.
func skipUnsupported(t *testing.T, c keepalive.Config) {
	t.Helper()
	if err := c.Validate(); errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("this system cannot take %v: %v", c, err)
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, c := range []keepalive.Config{
		{},
		{Idle: keepalive.System, Interval: keepalive.System, Count: keepalive.System, UserTimeout: keepalive.System},
		{Idle: time.Nanosecond, Interval: time.Nanosecond, Count: 1},
		{Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4},
	} {
		t.Run(c.String(), func(t *testing.T) {
			skipUnsupported(t, c)
			assert.NoError(t, c.Validate(), "%#v", c)
		})
	}
}

func TestValidateRejectsNegative(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     keepalive.Config
		field string
	}{
		{"idle", keepalive.Config{Idle: -2 * time.Second}, "Idle"},
		{"interval", keepalive.Config{Interval: -time.Hour}, "Interval"},
		{"count", keepalive.Config{Count: -2}, "Count"},
		{"user timeout", keepalive.Config{UserTimeout: -2}, "UserTimeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			var ce *keepalive.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Contains(t, err.Error(), "negative")
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestValidateJoinsEveryError(t *testing.T) {
	err := keepalive.Config{Idle: -5, Count: -5}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Idle")
	assert.Contains(t, err.Error(), "Count")
}

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

// A Multipath TCP connection adds the close timeout to the bound, but an
// invalid Config's unbounded Timeout must not wrap around to a negative.
func TestStateTimeoutUnboundedMultipath(t *testing.T) {
	s := keepalive.State{Enabled: true, Multipath: true, Config: keepalive.Config{Count: -3}}
	assert.Equal(t, time.Duration(math.MaxInt64), s.Timeout())
	s.Config = keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	assert.Greater(t, s.Timeout(), 5*time.Second, "the close timeout is added to a bounded Config")
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

// TestString: the text form on each system is TestStringEverywhere
// (platform_test.go), which runs every system's units here.

func TestUnmarshalText(t *testing.T) {
	for _, tt := range []struct {
		text string
		want keepalive.Config
	}{
		{"", keepalive.Config{}},
		{"idle=30s,interval=5s,count=3,user-timeout=45s", keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}},
		{" count = 4 , idle=1m ", keepalive.Config{Idle: time.Minute, Count: 4}},
		{"idle=system,count=system", keepalive.Config{Idle: keepalive.System, Count: keepalive.System}},
		{"user-timeout=0", keepalive.Config{}},
		{"within=30s", keepalive.Within(30 * time.Second)},
		{" under = 350s , within = 30s ", keepalive.Within(30 * time.Second).Under(350 * time.Second)},
		{"within=30s,under=10s", keepalive.Within(30 * time.Second).Under(10 * time.Second)},
		{"idle=600s,interval=10s,count=3,under=350s", keepalive.Config{Idle: 600 * time.Second, Interval: 10 * time.Second, Count: 3}.Under(350 * time.Second)},
		{"under=10s", keepalive.Config{}.Under(10 * time.Second)},
		{"keepalives_idle=600,under=350s", keepalive.Config{Idle: 600 * time.Second}.Under(350 * time.Second)},
		// Valid but incoherent: accepted, as Validate accepts it, so that
		// what MarshalText writes reads back; Coherent reports it.
		{"idle=5s,user-timeout=2s", keepalive.Config{Idle: 5 * time.Second, UserTimeout: 2 * time.Second}},
	} {
		t.Run(tt.text, func(t *testing.T) {
			if strings.Contains(tt.text, "within") || strings.Contains(tt.text, "under") {
				needLinuxBounds(t)
			}
			var c keepalive.Config
			require.NoError(t, c.UnmarshalText([]byte(tt.text)))
			assert.Equal(t, tt.want, c)
		})
	}
}

// needLinuxBounds skips a test of within= and under= where the bounds
// Within and Under can meet are not Linux's.
func needLinuxBounds(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("skipping: the bounds within= and under= meet here are Linux's")
	}
}

// TestUnmarshalTextWithinUnderChange: the within= and under= cases of
// TestUnmarshalText prove something only where Under changes the Config.
func TestUnmarshalTextWithinUnderChange(t *testing.T) {
	needLinuxBounds(t)
	assert.NotEqual(t, keepalive.Within(30*time.Second), keepalive.Within(30*time.Second).Under(10*time.Second))
	assert.NotEqual(t, keepalive.Config{}, keepalive.Config{}.Under(10*time.Second))
	want := keepalive.Config{Idle: 600 * time.Second, Interval: 10 * time.Second, Count: 3}
	assert.NotEqual(t, want, want.Under(350*time.Second))
}

// TestUnmarshalTextRefusesWhatCannotBeMet: a bound below the fastest
// Config the system runs is an error naming the key and the limit, not
// a slower Config than asked (Linux's limits: MinWithin, MinUnder).
func TestUnmarshalTextRefusesWhatCannotBeMet(t *testing.T) {
	needLinuxBounds(t)
	for _, tt := range []struct{ text, want string }{
		{fmt.Sprintf("within=%v", keepalive.MinWithin-time.Millisecond), fmt.Sprintf("keepalive: within=%q: below %v, the smallest bound Within can meet on linux", (keepalive.MinWithin - time.Millisecond).String(), keepalive.MinWithin)},
		{"within=1s,under=350s", fmt.Sprintf(`within="1s": below %v`, keepalive.MinWithin)},
		{fmt.Sprintf("under=%v", keepalive.MinUnder-time.Millisecond), fmt.Sprintf("keepalive: under=%q: below %v, the shortest idle timeout Under can keep a flow through on linux", (keepalive.MinUnder - time.Millisecond).String(), keepalive.MinUnder)},
		{"within=30s,under=1s", fmt.Sprintf(`under="1s": below %v`, keepalive.MinUnder)},
		{"count=500,under=350s", `keepalive: under="5m50s" needs a valid Config: keepalive: invalid Count 500`},
	} {
		t.Run(tt.text, func(t *testing.T) {
			c := keepalive.Config{Count: 5}
			err := c.UnmarshalText([]byte(tt.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, keepalive.Config{Count: 5}, c, "a failed parse must leave the Config alone")
		})
	}
	for _, text := range []string{
		fmt.Sprintf("within=%v", keepalive.MinWithin), fmt.Sprintf("under=%v", keepalive.MinUnder),
		fmt.Sprintf("within=%v,under=%v", keepalive.MinWithin, keepalive.MinUnder),
	} {
		var c keepalive.Config
		assert.NoError(t, c.UnmarshalText([]byte(text)), "the limit itself is met")
	}
}

func TestUnmarshalTextErrorsNameTheKey(t *testing.T) {
	for _, tt := range []struct {
		text, want string
	}{
		{"idle", `"idle" is not key=value`},
		{"idel=3s", `unknown key "idel"`},
		{"idle=30", `idle="30"`},
		{"count=many", `count="many"`},
		{"count=1,count=2", `"count" given twice`},
		{"idle=-3s", "invalid Idle -3s"},
		{"user-timeout=-1ms", "invalid UserTimeout -1ms"},
		{"idle=3s,,count=2", `"" is not key=value`},
		{"within=30s,idle=3s", "give it alone (or with under=), not with idle"},
		{"keepalives_count=3,within=30s", "not with keepalives_count"},
		{"within=30s,within=20s", `"within" given twice`},
		{"under=1m,under=2m", `"under" given twice`},
		{"within=0", `within="0": want a positive duration`},
		{"under=-1s", `under="-1s": want a positive duration`},
		{"within=system", `within="system": want a positive duration`},
		{"within=soon", `within="soon": want a positive duration`},
	} {
		t.Run(tt.text, func(t *testing.T) {
			c := keepalive.Config{Count: 5}
			err := c.UnmarshalText([]byte(tt.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, keepalive.Config{Count: 5}, c, "a failed parse must leave the Config alone")
		})
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, c := range []keepalive.Config{
		{Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4, UserTimeout: 12 * time.Second}, // whole seconds: Windows takes TCP_MAXRT in seconds
		{Idle: keepalive.System, Count: keepalive.System},
		{},
		keepalive.Within(10 * time.Second),
		keepalive.Within(30 * time.Second).Under(350 * time.Second),
		{Idle: 5 * time.Second, UserTimeout: 2 * time.Second}, // incoherent, valid
	} {
		text, err := c.MarshalText()
		require.NoError(t, err)
		var back keepalive.Config
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, c.String(), back.String())
		assert.Equal(t, c.Timeout(), back.Timeout())
		if c.Idle > 0 && c.Interval > 0 && c.Count > 0 {
			// No default to apply, whole units as the kernel takes
			// them: the same Config, field by field.
			assert.Equal(t, c, back, string(text))
		}
	}
	_, err := keepalive.Config{Count: -4}.MarshalText()
	assert.Error(t, err)
}

func TestTextWithFlagAndJSON(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var c keepalive.Config
	fs.TextVar(&c, "keepalive", keepalive.Config{}, "keep-alive settings")
	require.NoError(t, fs.Parse([]string{"-keepalive", "idle=20s,interval=2s,count=5"}))
	assert.Equal(t, keepalive.Config{Idle: 20 * time.Second, Interval: 2 * time.Second, Count: 5}, c)

	var doc struct{ Keepalive keepalive.Config }
	require.NoError(t, json.Unmarshal([]byte(`{"Keepalive":"idle=3s,user-timeout=9s"}`), &doc))
	assert.Equal(t, keepalive.Config{Idle: 3 * time.Second, UserTimeout: 9 * time.Second}, doc.Keepalive)
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Keepalive":"`+doc.Keepalive.String()+`"}`, string(out))

	err = json.Unmarshal([]byte(`{"Keepalive":"idle=oops"}`), &doc)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), `idle="oops"`), err.Error())
}

// TestTextIsSyntax: the text form is parsed and written whatever the
// running system can set, so that a configuration file or a JSON
// document written for one system reads on every other; Validate and
// use check the system's limits.
func TestTextIsSyntax(t *testing.T) {
	for _, text := range []string{
		"user-timeout=45s",                 // OpenBSD, NetBSD, DragonFly have no user timeout
		"idle=1s,interval=1s,count=100000", // above every system's count but illumos's
		"idle=100000h",                     // above every system's limit
		"count=3",                          // Windows before 1703 fixes the count
	} {
		t.Run(text, func(t *testing.T) {
			var doc struct{ Keepalive keepalive.Config }
			require.NoError(t, json.Unmarshal([]byte(`{"Keepalive":"`+text+`"}`), &doc))
			out, err := json.Marshal(doc)
			require.NoError(t, err, "a parsed Config marshals")
			var back struct{ Keepalive keepalive.Config }
			require.NoError(t, json.Unmarshal(out, &back))
			assert.Equal(t, doc.Keepalive.String(), back.Keepalive.String())
		})
	}
	_, err := json.Marshal(struct{ Keepalive keepalive.Config }{keepalive.Config{Idle: -2}})
	assert.ErrorContains(t, err, "negative", "the text form cannot carry a negative value")
}

func TestDialOptionToleratesNil(t *testing.T) {
	assert.NotPanics(t, func() { keepalive.WithKeepalive(keepalive.Config{})(nil) })
	assert.NotNil(t, keepalive.NewDialer(nil))
}

func TestNilListener(t *testing.T) {
	var ln keepalive.Listener
	_, err := ln.Accept()
	assert.Error(t, err)
	assert.Error(t, ln.Close())
	assert.Nil(t, ln.Addr())
	assert.False(t, errors.Is(err, errors.ErrUnsupported))
}

func TestWithin(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want keepalive.Config
	}{
		{4 * time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 2, UserTimeout: 3 * time.Second}},
		{5 * time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 3, UserTimeout: 4 * time.Second}},
		// More probes where 3 would let 5% loss drop a live connection
		// more than once per 1000 connection-hours.
		{10 * time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 7, UserTimeout: 8 * time.Second}},
		{30 * time.Second, keepalive.Config{Idle: 18 * time.Second, Interval: time.Second, Count: 8, UserTimeout: 26 * time.Second}},
		{time.Minute, keepalive.Config{Idle: 43 * time.Second, Interval: time.Second, Count: 10, UserTimeout: 53 * time.Second}},
		{time.Hour, keepalive.Config{Idle: 2402 * time.Second, Interval: 133 * time.Second, Count: 6, UserTimeout: 3200 * time.Second}},
		{keepalive.MinWithin, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 1, UserTimeout: 2 * time.Second}},
		{time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 1, UserTimeout: 2 * time.Second}},
		{-time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 1, UserTimeout: 2 * time.Second}},
	} {
		t.Run(tt.d.String(), func(t *testing.T) {
			if runtime.GOOS != "linux" && runtime.GOOS != "android" {
				t.Skip("Linux's figures; TestWithinOnOtherSystems has the other systems'")
			}
			assert.Equal(t, tt.want, keepalive.Within(tt.d))
		})
	}
	// Every Within is valid on the running system; where it has the
	// options, coherent, with an idle bound that leaves room for the
	// timers' lateness (1/8) below d.
	for d := keepalive.MinWithin; d < 48*time.Hour; d = d*5/4 + 7*time.Millisecond {
		c := keepalive.Within(d)
		require.NoError(t, c.Validate(), d)
		if runtime.GOOS != "linux" && runtime.GOOS != "android" {
			continue // TestWithinEverywhere checks every system's bound
		}
		require.NoError(t, c.Coherent(), d)
		require.LessOrEqual(t, c.Timeout()+c.Timeout()/8, d, d)
		require.Equal(t, c.Timeout(), c.UserTimeout, d)
	}
}

func TestLibpqNames(t *testing.T) {
	for _, tt := range []struct {
		text string
		want keepalive.Config
	}{
		{"keepalives=1,keepalives_idle=30,keepalives_interval=5,keepalives_count=3,tcp_user_timeout=45000",
			keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}},
		{"keepalives_idle=0,keepalives_count=0,tcp_user_timeout=0",
			keepalive.Config{Idle: keepalive.System, Count: keepalive.System, UserTimeout: keepalive.System}},
		{"keepalives_idle=10,interval=2s", keepalive.Config{Idle: 10 * time.Second, Interval: 2 * time.Second}},
		{"keepalives_idle=+7,keepalives_count=-1", keepalive.Config{Idle: 7 * time.Second, Count: keepalive.System}}, // libpq's rules: a negative value is 0
	} {
		t.Run(tt.text, func(t *testing.T) {
			var c keepalive.Config
			require.NoError(t, c.UnmarshalText([]byte(tt.text)))
			assert.Equal(t, tt.want, c)
		})
	}
	for _, tt := range []struct{ text, want string }{
		{"keepalives=0", "keepalives=\"0\": only 1 is supported"},
		{"keepalives_idle=30s", `keepalives_idle="30s": not an integer from -2147483648 to 2147483647, as libpq reads it`},
		{"idle=3s,keepalives_idle=3", `"keepalives_idle" given twice`},
	} {
		t.Run(tt.text, func(t *testing.T) {
			var c keepalive.Config
			err := c.UnmarshalText([]byte(tt.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLogValue(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	log.Info("dial", "keepalive", keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second})
	log.Info("dial", "keepalive", keepalive.Config{Idle: keepalive.System})
	count := `"9"`
	if errors.Is(keepalive.Config{Count: 9}.Validate(), errors.ErrUnsupported) {
		count = `"system"` // Go's default count cannot be set here
	}
	assert.Equal(t, `{"level":"INFO","msg":"dial","keepalive":{"idle":"30s","interval":"5s","count":"3","user-timeout":"45s"}}
{"level":"INFO","msg":"dial","keepalive":{"idle":"system","interval":"15s","count":`+count+`}}
`, buf.String())
}

// TestLogValueIsTheTextForm: LogValue's pairs, joined, are String, for
// valid and invalid Configs alike.
func TestLogValueIsTheTextForm(t *testing.T) {
	for _, c := range []keepalive.Config{
		{},
		{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second},
		{Idle: keepalive.System, Interval: keepalive.System, Count: keepalive.System, UserTimeout: keepalive.System},
		{Idle: 1500 * time.Millisecond, UserTimeout: 1500 * time.Microsecond},
		{Idle: -5 * time.Second, Count: -3, UserTimeout: -5 * time.Second},
	} {
		var pairs []string
		for _, a := range c.LogValue().Group() {
			require.Equal(t, slog.KindString, a.Value.Kind(), "%s", a.Key)
			pairs = append(pairs, a.Key+"="+a.Value.String())
		}
		assert.Equal(t, c.String(), strings.Join(pairs, ","))
	}
}

func TestStringOfAnInvalidConfigShowsWhatWasGiven(t *testing.T) {
	c := keepalive.Config{Idle: -5 * time.Second, Interval: -2 * time.Second, Count: -3, UserTimeout: -5 * time.Second}
	assert.Equal(t, "idle=-5s,interval=-2s,count=-3,user-timeout=-5s", c.String())
}

// FuzzUnmarshalText: no input panics, and whatever parses has no
// negative field but System and reads back the same from its own text
// form. CI runs it briefly; the
// seed corpus is in testdata/fuzz.
func FuzzUnmarshalText(f *testing.F) {
	for _, seed := range []string{
		"", "idle=30s,interval=5s,count=3,user-timeout=45s", "idle=system,count=system",
		"keepalives=1,keepalives_idle=30,keepalives_count=3,tcp_user_timeout=45000",
		" count = 4 , idle=1m ", "idle=-1ns", "count=99999999999999999999", "idle=1e3h",
		"within=10s", "within=30s,under=350s", "under=5s", "within=1s", "within=30s,idle=1s", "count=500,under=1m",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var c keepalive.Config
		if err := c.UnmarshalText([]byte(text)); err != nil {
			if !strings.Contains(err.Error(), "keepalive: ") {
				t.Fatalf("error without the package's prefix: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil && !errors.As(err, new(*keepalive.ConfigError)) {
			t.Fatalf("%q: Validate: %v", text, err)
		}
		if c.Idle < keepalive.System || c.Interval < keepalive.System || c.Count < keepalive.System || c.UserTimeout < keepalive.System {
			t.Fatalf("%q parsed into a negative field: %#v", text, c)
		}
		var back keepalive.Config
		if err := back.UnmarshalText([]byte(c.String())); err != nil {
			t.Fatalf("%q: its text form %q does not parse: %v", text, c.String(), err)
		}
		if back.String() != c.String() || back.Timeout() != c.Timeout() {
			t.Fatalf("%q: %v reads back as %v", text, c, back)
		}
	})
}

// TestNilEntryPoints: every exported entry point given a nil (or typed
// nil) value returns an error or does nothing; none panics.
func TestNilEntryPoints(t *testing.T) {
	cfg := keepalive.Within(30 * time.Second) // valid on every system
	bad := keepalive.Config{Count: -1}
	for _, tt := range []struct {
		name string
		call func() error // nil: must do nothing, without an error
		want string       // in the error, or "" if none expected
	}{
		{"Control, nil RawConn", func() error { return keepalive.Control(cfg)("tcp", "127.0.0.1:0", nil) }, "nil syscall.RawConn"},
		{"Control, nil RawConn, tcp6", func() error { return keepalive.Control(cfg)("tcp6", "[::1]:0", nil) }, "nil syscall.RawConn"},
		{"Control, nil RawConn, invalid Config", func() error { return keepalive.Control(bad)("tcp4", "127.0.0.1:0", nil) }, "nil syscall.RawConn"},
		{"Control, nil RawConn, udp", func() error { return keepalive.Control(cfg)("udp", "127.0.0.1:0", nil) }, ""},
		{"Set, nil conn", func() error { return keepalive.Set(nil, cfg) }, "nil connection"},
		{"Set, typed nil conn", func() error { return keepalive.Set((*net.TCPConn)(nil), cfg) }, "nil connection"},
		{"Get, nil conn", func() error { _, err := keepalive.Get(nil); return err }, "nil connection"},
		{"Get, typed nil conn", func() error { _, err := keepalive.Get((*net.TCPConn)(nil)); return err }, "nil connection"},
		{"WithKeepalive, nil Dialer", func() error { keepalive.WithKeepalive(cfg)(nil); return nil }, ""},
		{"NewDialer, nil option", func() error { keepalive.NewDialer(nil, keepalive.WithKeepalive(cfg)); return nil }, ""},
		{"ConfigureListenConfig, nil", func() error { keepalive.ConfigureListenConfig(nil, cfg); return nil }, ""},
		{"nil *Listener, Accept", func() error { var l *keepalive.Listener; _, err := l.Accept(); return err }, "nil Listener"},
		{"nil *Listener, Close", func() error { var l *keepalive.Listener; return l.Close() }, "nil Listener"},
		{"nil *Listener, Addr", func() error { var l *keepalive.Listener; return notNil(l.Addr()) }, ""},
		{"nil *Listener, Unwrap", func() error { var l *keepalive.Listener; return notNil(l.Unwrap()) }, ""},
		{"WrapListener(nil), Accept", func() error { _, err := keepalive.WrapListener(nil, cfg).Accept(); return err }, "nil Listener"},
		{"WrapListener(nil), Close", func() error { return keepalive.WrapListener(nil, cfg).Close() }, "nil Listener"},
		{"WrapListener(nil), Addr", func() error { return notNil(keepalive.WrapListener(nil, cfg).Addr()) }, ""},
		{"WrapListener(typed nil), Accept, invalid Config", func() error {
			_, err := keepalive.WrapListener((*net.TCPListener)(nil), bad).Accept()
			return err
		}, "nil Listener"},
		{"WrapListener(typed nil), Addr", func() error { return notNil(keepalive.WrapListener((*net.TCPListener)(nil), cfg).Addr()) }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = tt.call() })
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// notNil turns a value that should be nil into an error if it is not.
func notNil(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case net.Addr:
		if v == nil {
			return nil
		}
	}
	return errors.New("not nil")
}

// TestListenNetworks: a packet network fails with an error naming it
// (not Go's "unexpected address type"), an invalid Config included; a
// Unix stream network listens as net.Listen would.
func TestListenNetworks(t *testing.T) {
	cfg := keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}
	for _, tt := range []struct {
		network, address string
		cfg              keepalive.Config
	}{
		{"udp", "127.0.0.1:0", cfg},
		{"udp6", "[::1]:0", cfg},
		{"ip4:icmp", "127.0.0.1", cfg},
		{"unixgram", "", cfg},
		{"udp", "127.0.0.1:0", keepalive.Config{Idle: -1}},
	} {
		t.Run(tt.network, func(t *testing.T) {
			ln, err := keepalive.Listen(context.Background(), tt.network, tt.address, tt.cfg)
			require.Error(t, err)
			assert.Nil(t, ln)
			var op *net.OpError
			require.True(t, errors.As(err, &op), "%T: %v", err, err)
			assert.Equal(t, tt.network, op.Net)
			assert.Contains(t, err.Error(), `network "`+tt.network+`" is not a stream network`)
			assert.Contains(t, err.Error(), "net.ListenPacket")
			assert.NotContains(t, err.Error(), "unexpected address type")
		})
	}
	t.Run("unix", func(t *testing.T) {
		// Not t.TempDir: Wine cannot remove a Unix socket's file, which
		// would fail the test at cleanup.
		dir, err := os.MkdirTemp("", "keepalive-unix")
		require.NoError(t, err)
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "s")
		ln, err := keepalive.Listen(context.Background(), "unix", path, cfg)
		if err != nil {
			// Systems without Unix sockets (plan9, js) fail as net.Listen does.
			assert.NotContains(t, err.Error(), "not a stream network")
			return
		}
		defer ln.Close()
		assert.Equal(t, "unix", ln.Addr().Network())
	})
}
