package keepalive_test

// The dial option, without a socket.

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tcpkeepalive/keepalive"
)

func TestDialOptionToleratesNil(t *testing.T) {
	assert.NotPanics(t, func() { keepalive.WithKeepalive(keepalive.Config{})(nil) })
	assert.NotNil(t, keepalive.NewDialer(nil))
}
