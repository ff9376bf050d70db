package keepalive_test

// The text form's libpq key names, read by libpq's own rules: every case
// libpq's reader is tested with runs through UnmarshalText too.

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys/libpqcases"
)

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
		// libpq's keepalives: any integer but 0 is on.
		{"keepalives=2", keepalive.Config{}},
		{"keepalives=+1", keepalive.Config{}},
		{"keepalives=01,keepalives_idle=30", keepalive.Config{Idle: 30 * time.Second}},
		{"keepalives=-1", keepalive.Config{}},
	} {
		t.Run(tt.text, func(t *testing.T) {
			var c keepalive.Config
			require.NoError(t, c.UnmarshalText([]byte(tt.text)))
			assert.Equal(t, tt.want, c)
		})
	}
	for _, tt := range []struct{ text, want string }{
		{"keepalives=0", `keepalives="0": 0 turns keep-alive off, which a Config cannot say`},
		{"keepalives=on", `keepalives="on": not an integer from -2147483648 to 2147483647, as libpq reads it`},
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
	// The rows of libpqcases, the connection strings the PostgreSQL
	// modules are tested on against libpq itself, through the text form,
	// so that the two readers of libpq's keys cannot drift apart. A row
	// whose value holds a comma does not apply: the comma ends a pair in
	// the text form. The text form leaves a missing key zero (Go's
	// default) where a connection string's reader leaves it to the
	// system, and reads tcp_user_timeout=0 as System where that reader
	// leaves it zero (both set no user timeout); keepalives=0 (off), which
	// a Config cannot say, and values libpq refuses are errors naming the
	// key; values beyond the running system's limits are left to Validate.
	pair := regexp.MustCompile(`(\w+)=('[^']*'|\S+)`)
	for _, tc := range libpqcases.Cases {
		var pairs []string
		given := map[string]bool{}
		for _, m := range pair.FindAllStringSubmatch(tc.Conn, -1) {
			value := strings.Trim(m[2], "'")
			pairs = append(pairs, m[1]+"="+value)
			given[m[1]] = true
		}
		text := strings.Join(pairs, ",")
		if strings.Count(text, ",") >= len(pairs) {
			continue // a value holds a comma, which ends a pair in the text form
		}
		t.Run("libpqcases/"+tc.Name, func(t *testing.T) {
			var c keepalive.Config
			err := c.UnmarshalText([]byte(text))
			switch {
			case tc.Off:
				require.ErrorContains(t, err, `keepalives="0": 0 turns keep-alive off`)
				return
			case tc.Err != "" && tc.Libpq == libpqcases.Invalid:
				require.Error(t, err, "%q", text)
				key := strings.Fields(tc.Err)[0]
				assert.Contains(t, err.Error(), key+"=", "the error names the key")
				return
			case tc.Err != "":
				// Beyond Linux's limits: the text form reads it, Validate
				// refuses it.
				require.NoError(t, err, "%q", text)
				if runtime.GOOS == "linux" {
					assert.Error(t, c.Validate(), "%q", text)
				}
				return
			}
			require.NoError(t, err, "%q", text)
			want := tc.Cfg
			for key, f := range map[string]*time.Duration{"keepalives_idle": &want.Idle, "keepalives_interval": &want.Interval} {
				if !given[key] {
					*f = 0
				}
			}
			if !given["keepalives_count"] {
				want.Count = 0
			}
			if given["tcp_user_timeout"] && want.UserTimeout == 0 {
				want.UserTimeout = keepalive.System
			}
			assert.Equal(t, want, c, "%q", text)
		})
	}
}
