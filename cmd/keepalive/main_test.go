package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
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
	return sockettest.Serve(t, handle)
}
