package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopbackDemo(t *testing.T) {
	needLinux(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-config", "idle=37s,interval=7s,count=4,user-timeout=12345ms"}, &out, &out))
	s := out.String()
	assert.Contains(t, s, "a dead idle peer is noticed 44s after the last packet received from it")
	assert.Contains(t, s, "warning   keepalive: UserTimeout 12.345s overrides Count 4")
	assert.Equal(t, 2, strings.Count(s, "keep-alive on idle=37s,interval=7s,count=4,user-timeout=12.345s"), s)
	assert.Contains(t, s, "dialed")
	assert.Contains(t, s, "accepted")
}

func TestConnect(t *testing.T) {
	needLinux(t)
	addr := peer(t, func(net.Conn) {})
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-connect", addr, "-config", "idle=9s"}, &out, &out))
	assert.Contains(t, out.String(), "keep-alive on idle=9s,interval=15s,count=9")
}
