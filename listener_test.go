package keepalive_test

// The zero Listener.

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tcpkeepalive/keepalive"
)

func TestNilListener(t *testing.T) {
	var ln keepalive.Listener
	_, err := ln.Accept()
	assert.Error(t, err)
	assert.Error(t, ln.Close())
	assert.Nil(t, ln.Addr())
	assert.False(t, errors.Is(err, errors.ErrUnsupported))
}
