package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// TestFlagMistakes: flags that would do nothing are refused, each error
// names the flags given, and a value error speaks the flag's language.
func TestFlagMistakes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		want    string
		notWant string
	}{
		{name: "ping without hold", args: []string{"-connect", "127.0.0.1:1", "-ping", "1s"}, want: "-ping goes with -hold"},
		{name: "every without hold", args: []string{"-every", "1s"}, want: "-every goes with -hold or -find-idle-timeout"},
		{name: "find-idle-timeout alone", args: []string{"-find-idle-timeout", "10s"}, want: "-find-idle-timeout goes with -connect", notWant: "-hold"},
		{name: "find-idle-timeout and hold", args: []string{"-connect", "a:1", "-hold", "1s", "-find-idle-timeout", "10s"}, want: "-find-idle-timeout goes with -connect, not -hold"},
		{name: "negative idle", args: []string{"-config", "idle=-1s"}, want: `or "system" for the system's`, notWant: "keepalive.System"},
		{name: "within with idle", args: []string{"-config", "within=30s,idle=3s"}, want: "give it alone (or with under=)"},
		{name: "within twice", args: []string{"-config", "within=30s,within=20s"}, want: `key "within" given twice`},
		{name: "under zero", args: []string{"-config", "under=0s"}, want: `under="0s": want a positive duration`},
		{name: "within not a duration", args: []string{"-config", "within=soon"}, want: `within="soon": want a positive duration`},
		{name: "within below the fastest", args: []string{"-config", "within=1s"}, want: `-config: keepalive: within="1s": below`},
		{name: "under below the fastest", args: []string{"-config", "within=30s,under=3s"}, want: `-config: keepalive: under="3s": below`},
		{name: "count above the limit", args: []string{"-config", "count=500"}, want: "invalid Count 500"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out, &out)
			require.Error(t, err)
			assert.Equal(t, 2, exitCode(err, &out))
			assert.Contains(t, err.Error()+out.String(), tt.want)
			if tt.notWant != "" {
				assert.NotContains(t, err.Error()+out.String(), tt.notWant)
			}
		})
	}
	// -config's value error is the library's own, which says "system"
	// as an operator types it: errors.As still finds its field.
	var c keepalive.Config
	err := configFlag{&c}.Set("count=-2")
	var ce *keepalive.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Count", ce.Field)
	assert.Contains(t, ce.Limit, `or "system" for the system's`)
}

// TestConfigWithinUnder: -config within=…,under=… is Within(…).Under(…),
// under= goes with the other keys and alone with Go's defaults, as in
// the library's text form, and the dialed socket holds the result, read
// back from the kernel.
func TestConfigWithinUnder(t *testing.T) {
	for _, tt := range []struct {
		text string
		want keepalive.Config
	}{
		{"within=30s,under=350s", keepalive.Within(30 * time.Second).Under(350 * time.Second)},
		{"within=30s", keepalive.Within(30 * time.Second)},
		{" under = 10s , within = 30s ", keepalive.Within(30 * time.Second).Under(10 * time.Second)},
		{"idle=600s,interval=10s,count=3,under=350s", keepalive.Config{Idle: 600 * time.Second, Interval: 10 * time.Second, Count: 3}.Under(350 * time.Second)},
		{"under=10s", keepalive.Config{}.Under(10 * time.Second)},
		{"idle=30s,interval=5s,count=3,user-timeout=45s,under=4s", keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}.Under(4 * time.Second)}, // what -find-idle-timeout suggests
	} {
		t.Run(tt.text, func(t *testing.T) {
			got, err := parseConfig(tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			needLinux(t)
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), []string{"-config", tt.text}, &out, &out))
			assert.Contains(t, out.String(), "keep-alive on "+tt.want.String())
		})
	}
	assert.NotEqual(t, keepalive.Within(30*time.Second), keepalive.Within(30*time.Second).Under(10*time.Second),
		"Under changed nothing: the under=10s case proves nothing")
	assert.NotEqual(t, keepalive.Config{}, keepalive.Config{}.Under(10*time.Second),
		"Under changed nothing: the under=10s case proves nothing")
}

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"bad config", []string{"-config", "count=500"}, "invalid Count 500"},
		{"unknown key", []string{"-config", "idel=1s"}, `unknown key "idel"`},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"both ways", []string{"-connect", "a:1", "-listen", ":0"}, "exclude each other"},
		{"hold without connect", []string{"-hold", "1s"}, "-hold goes with -connect"},
		{"negative ping", []string{"-connect", "a:1", "-ping", "-1s"}, "must not be negative"},
		{"unreachable", []string{"-connect", "127.0.0.1:1"}, "connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fails(t, tt.args, tt.want)
		})
	}
}

// fails runs the command with args and checks that it fails, saying
// want in its error or its output.
func fails(t *testing.T, args []string, want string) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error()+out.String(), want)
}

// TestBadFlagOneLine: a bad flag gets its precise error and one line
// pointing at -h, not the whole usage, which -h prints.
func TestBadFlagOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"-config", "count=500"},
		{"-config", "idle=5s,interval=soon"},
		{"-hold", "forever"},
		{"-nosuchflag"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			require.Error(t, err)
			assert.True(t, isReported(err), "main would print it again: %v", err)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			require.Len(t, lines, 2, stderr.String())
			assert.Contains(t, lines[0], args[0])
			assert.Equal(t, "run 'keepalive -h' for the flags", lines[1])
			assert.Empty(t, stdout.String())
		})
	}
	t.Run("-h", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"-h"}, &stdout, &stderr)
		require.ErrorIs(t, err, flag.ErrHelp)
		assert.True(t, strings.HasPrefix(stderr.String(), "Usage of keepalive:\n"), stderr.String())
		for _, name := range []string{"-config", "-connect", "-listen", "-hold", "-ping", "-every", "-timeout", "-system", "-json"} {
			assert.Contains(t, stderr.String(), "\n  "+name)
		}
		assert.NotContains(t, stderr.String(), "for the flags")
	})
	t.Run("precise error for the config", func(t *testing.T) {
		var stderr bytes.Buffer
		require.Error(t, run(context.Background(), []string{"-config", "count=500"}, &stderr, &stderr))
		assert.Contains(t, stderr.String(), `invalid value "count=500" for flag -config: keepalive: invalid Count 500`)
	})
}

// TestSystemAlone: -system prints the kernel's defaults; a flag that
// would change what it prints is refused, not ignored.
func TestSystemAlone(t *testing.T) {
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"-system", "-config", "idle=5s"}, "-config"},
		{[]string{"-config", "idle=5s", "-system"}, "-config"},
		{[]string{"-system", "-connect", "127.0.0.1:1"}, "-connect"},
		{[]string{"-json", "-system", "-timeout", "1s"}, "-timeout"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "-system prints the system's defaults, which "+tt.flag+" does not change")
			assert.Empty(t, out.String(), "nothing printed before the refusal")
		})
	}
	t.Run("with -json", func(t *testing.T) {
		needLinux(t)
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"-system", "-json"}, &out, &out))
		evs := events(t, out.String())
		require.Len(t, evs, 1)
		assert.Equal(t, "system", evs[0]["event"])
	})
}
