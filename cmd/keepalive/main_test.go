package main

import (
	"bytes"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopbackDemo(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipping: reading settings back needs Linux for now")
	}
	var out bytes.Buffer
	require.NoError(t, run([]string{"-config", "idle=37s,interval=7s,count=4,user-timeout=12345ms"}, &out, &out))
	s := out.String()
	assert.Contains(t, s, "timeout   44s")
	assert.Contains(t, s, "warning   keepalive: UserTimeout 12.345s overrides Count 4")
	assert.Equal(t, 2, strings.Count(s, "keep-alive on idle=37s,interval=7s,count=4,user-timeout=12.345s"), s)
	assert.Contains(t, s, "dialed")
	assert.Contains(t, s, "accepted")
}

func TestConnect(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipping: reading settings back needs Linux for now")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	var out bytes.Buffer
	require.NoError(t, run([]string{"-connect", ln.Addr().String(), "-config", "idle=9s"}, &out, &out))
	assert.Contains(t, out.String(), "keep-alive on idle=9s,interval=15s,count=9")
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
		{"unreachable", []string{"-connect", "127.0.0.1:1"}, "connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tt.args, &out, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error()+out.String(), tt.want)
		})
	}
}
