//go:build darwin || freebsd || windows

package keepalive

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// TestDroppedEarlierIsBare: the Health.Err of a connection dropped
// before Check reads as the socket's other errors do, with no package
// prefix, and is the error a write returns.
func TestDroppedEarlierIsBare(t *testing.T) {
	assert.Equal(t, "connection dropped earlier, its error already taken: "+kernel.Dropped.Error(), errDroppedEarlier.Error())
	assert.ErrorIs(t, errDroppedEarlier, kernel.Dropped)
}
