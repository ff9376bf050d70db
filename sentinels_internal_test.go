package keepalive

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSentinelsSayPrefixOnce: the package's sentinel errors read as
// before, and say "keepalive: " once even where the package wraps one in
// another of its errors.
func TestSentinelsSayPrefixOnce(t *testing.T) {
	for _, tt := range []struct {
		err  error
		text string
	}{
		{errNilRawConn, "keepalive: Control hook called with a nil syscall.RawConn"},
		{errNilListener, "keepalive: nil Listener"},
		{ErrNilTracker, "keepalive: nil Tracker"},
		{ErrTrackerClosed, "keepalive: Tracker closed"},
		{errNilContext, "keepalive: Collect was given a nil context.Context"},
		{errNetLayout, "keepalive: cannot track connections with this Go release's net package: " + errors.ErrUnsupported.Error()},
	} {
		t.Run(tt.text, func(t *testing.T) {
			assert.Equal(t, tt.text, tt.err.Error())
			wrapped := wrap("track", tt.err)
			assert.Equal(t, 1, strings.Count(wrapped.Error(), prefix), "%v", wrapped)
			assert.ErrorIs(t, wrapped, tt.err)
		})
	}
	assert.ErrorIs(t, errNetLayout, errors.ErrUnsupported)
}
