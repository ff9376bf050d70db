package keepalive_test

// The text form: parsing, errors, round trips through flag and JSON. Its
// libpq key names are tested in text_libpq_test.go; the text form on
// each system, in its units, is TestStringEverywhere.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

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
		{"count=500,under=350s", `keepalive: under="5m50s" needs a valid Config: invalid Count 500`},
	} {
		t.Run(tt.text, func(t *testing.T) {
			refused(t, tt.text, tt.want)
		})
	}
	for _, text := range []string{
		fmt.Sprintf("within=%v", keepalive.MinWithin), fmt.Sprintf("under=%v", keepalive.MinUnder),
		fmt.Sprintf("within=%v,under=%v", keepalive.MinWithin, keepalive.MinUnder),
	} {
		t.Run(text, func(t *testing.T) {
			var c keepalive.Config
			assert.NoError(t, c.UnmarshalText([]byte(text)), "the limit itself is met")
		})
	}
}

// refused checks that text does not parse, with an error that contains
// want, and that the failed parse leaves the Config alone.
func refused(t *testing.T, text, want string) {
	t.Helper()
	c := keepalive.Config{Count: 5}
	err := c.UnmarshalText([]byte(text))
	require.Error(t, err)
	assert.Contains(t, err.Error(), want)
	assert.Equal(t, keepalive.Config{Count: 5}, c, "a failed parse must leave the Config alone")
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
		{"idle=-3s", `invalid Idle -3s: negative; use 0 for Go's default or "system" for the system's`},
		{"user-timeout=-1ms", `invalid UserTimeout -1ms: negative; use 0 or "system" to leave the system's setting`},
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
			refused(t, tt.text, tt.want)
		})
	}
	// The text form's limits say "system", as its text is written, and
	// stay *ConfigError values; Go code's say keepalive.System.
	var c keepalive.Config
	err := c.UnmarshalText([]byte("idle=-3s,count=-2"))
	var ce *keepalive.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.NotContains(t, err.Error(), "keepalive.System")
	assert.ErrorContains(t, keepalive.Config{Idle: -3 * time.Second}.Validate(), "or keepalive.System for the system's")
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
		t.Run(c.String(), func(t *testing.T) {
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
		})
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
