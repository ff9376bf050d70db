package keepalivehttp_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivehttp"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

func TestMain(m *testing.M) {
	netns.Play(calls, nil)
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

var cfg = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

// TestTransportKeepsDefaults: every field of DefaultTransport's clone
// but the dialer is as Go has it.
func TestTransportKeepsDefaults(t *testing.T) {
	got := keepalivehttp.Transport(cfg)
	want := http.DefaultTransport.(*http.Transport)
	require.NotNil(t, got.DialContext)
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range gv.NumField() {
		f := gv.Type().Field(i)
		if !f.IsExported() || f.Name == "DialContext" {
			continue
		}
		if f.Type.Kind() == reflect.Func {
			assert.Equal(t, wv.Field(i).IsNil(), gv.Field(i).IsNil(), f.Name)
			continue
		}
		if f.Name == "TLSClientConfig" || f.Name == "Protocols" || f.Name == "TLSNextProto" {
			continue // cloned, or set up on first use
		}
		assert.Equal(t, wv.Field(i).Interface(), gv.Field(i).Interface(), f.Name)
	}
	assert.True(t, got.ForceAttemptHTTP2)
	assert.NotNil(t, got.Proxy)
}

// TestTransportHTTP2: over TLS the transport still speaks HTTP/2, and
// its socket carries the Config, read back from the kernel.
func TestTransportHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	tr := keepalivehttp.Transport(cfg)
	defer tr.CloseIdleConnections()
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	var mu sync.Mutex
	var dialed []net.Conn
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			mu.Lock()
			dialed = append(dialed, c)
			mu.Unlock()
		}
		return c, err
	}
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 2, resp.ProtoMajor)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, dialed, 1)
	st, err := keepalive.Get(dialed[0])
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
}

type connKey struct{}

// serverState serves with serve and returns the State of the socket
// the server accepted, read in the handler.
func serverState(t *testing.T, serve func(*http.Server) error, url string) keepalive.State {
	t.Helper()
	states := make(chan keepalive.State, 1)
	srv := &http.Server{
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, err := keepalive.Get(r.Context().Value(connKey{}).(net.Conn))
			assert.NoError(t, err)
			states <- st
		}),
	}
	done := make(chan error, 1)
	go func() { done <- serve(srv) }()
	defer func() {
		srv.Close()
		assert.ErrorIs(t, <-done, http.ErrServerClosed)
	}()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	var resp *http.Response
	var err error
	for range 100 { // until the server listens
		if resp, err = (&http.Client{Transport: tr}).Get(url); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return <-states
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func TestListenAndServe(t *testing.T) {
	addr := freeAddr(t)
	st := serverState(t, func(srv *http.Server) error {
		srv.Addr = addr
		return keepalivehttp.ListenAndServe(srv, cfg)
	}, "http://"+addr)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	st := serverState(t, func(srv *http.Server) error { return keepalivehttp.Serve(srv, ln, cfg) }, "http://"+ln.Addr().String())
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
}

func TestListenAndServeBadAddr(t *testing.T) {
	err := keepalivehttp.ListenAndServe(&http.Server{Addr: "127.0.0.1:-1"}, cfg)
	var opErr *net.OpError
	assert.True(t, errors.As(err, &opErr), "%v", err)
}

// TestInvalidConfigFailsEachDial: Transport and Client take an invalid
// Config without an error, and each request's dial fails with its
// *keepalive.ConfigError, connecting nothing.
func TestInvalidConfigFailsEachDial(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   keepalive.Config
		field string
	}{
		{"negative Idle", keepalive.Config{Idle: -2 * time.Second}, "Idle"},
		{"Count out of range", keepalive.Config{Count: 500}, "Count"},
	} {
		for _, api := range []struct {
			name   string
			client func(keepalive.Config) *http.Client
		}{
			{"Transport", func(cfg keepalive.Config) *http.Client {
				return &http.Client{Transport: keepalivehttp.Transport(cfg)}
			}},
			{"Client", func(cfg keepalive.Config) *http.Client { return keepalivehttp.Client(cfg) }},
		} {
			t.Run(tt.name+"/"+api.name, func(t *testing.T) {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				defer ln.Close()
				c := api.client(tt.cfg)
				defer c.CloseIdleConnections()
				for range 2 { // each dial, not only the first
					resp, err := c.Get("http://" + ln.Addr().String() + "/")
					if err == nil {
						resp.Body.Close()
					}
					var ce *keepalive.ConfigError
					require.ErrorAs(t, err, &ce)
					assert.Equal(t, tt.field, ce.Field)
				}
				sockettest.NothingDialed(t, ln)
			})
		}
	}
}
