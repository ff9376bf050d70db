package keepalive_test

// Config as a slog value.

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

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
		t.Run(c.String(), func(t *testing.T) {
			var pairs []string
			for _, a := range c.LogValue().Group() {
				require.Equal(t, slog.KindString, a.Value.Kind(), "%s", a.Key)
				pairs = append(pairs, a.Key+"="+a.Value.String())
			}
			assert.Equal(t, c.String(), strings.Join(pairs, ","))
		})
	}
}
