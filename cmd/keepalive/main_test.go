package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestMain prints which integration tests ran and which skipped.
func TestMain(m *testing.M) {
	os.Exit(netns.Summarised{M: m}.Run())
}

func needLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("skipping: reading settings back needs Linux for now")
	}
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// events parses -json output.
func events(t *testing.T, out string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	s := bufio.NewScanner(strings.NewReader(out))
	for s.Scan() {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(s.Bytes(), &ev), s.Text())
		evs = append(evs, ev)
	}
	return evs
}

// peer accepts on loopback and hands each connection to handle.
func peer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
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
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error()+out.String(), tt.want)
		})
	}
}
