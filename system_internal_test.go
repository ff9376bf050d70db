package keepalive

// The retransmission timeout model behind SystemDefaults.

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetransmitTimeout(t *testing.T) {
	// tcp(7): "The default value of 15 yields a hypothetical timeout of
	// 924.6 seconds".
	assert.Equal(t, 924600*time.Millisecond, retransmitTimeout(15, 200*time.Millisecond, 120*time.Second))
	assert.Equal(t, 200*time.Millisecond, retransmitTimeout(0, 200*time.Millisecond, 120*time.Second))
	assert.Equal(t, 600*time.Millisecond, retransmitTimeout(1, 200*time.Millisecond, 120*time.Second))
}
