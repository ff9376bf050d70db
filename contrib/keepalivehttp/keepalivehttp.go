// Package keepalivehttp puts a keepalive.Config on the connections of
// net/http clients and servers, so that a request to a server whose host
// died — waiting for headers, or uploading — fails within the Config's
// bound, and a handler's context is canceled as soon after its client's
// host died.
//
// Building a Transport by hand, as in &http.Transport{DialContext: …},
// drops what http.DefaultTransport has: HTTP/2 (ForceAttemptHTTP2), the
// proxy from the environment, the idle connection timeout, the TLS
// handshake timeout. Transport starts from a clone of DefaultTransport
// and replaces only its dialer.
//
// The standard library needs nothing else to surface the kernel's error:
// the *url.Error of a failed request wraps it, so keepalive.IsPeerGone
// recognises it. A handler sees only its request's context canceled. The
// names follow the modules' one vocabulary
// (docs/integrations.md#vocabulary).
package keepalivehttp

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// Transport returns a clone of http.DefaultTransport (or, if a program
// replaced that with another RoundTripper, a Transport with the same
// settings as Go's default) whose connections are dialed with cfg, opts
// (keepalive.WithTracker) applied after it. It keeps the default's 30s
// dial timeout.
func Transport(cfg keepalive.Config, opts ...keepalive.DialOption) *http.Transport {
	t, ok := http.DefaultTransport.(*http.Transport)
	if ok {
		t = t.Clone()
	} else {
		t = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: 1 * time.Second,
		}
	}
	d := keepalive.NewDialer(append([]keepalive.DialOption{keepalive.WithKeepalive(cfg)}, opts...)...)
	d.Timeout = 30 * time.Second
	t.DialContext = d.DialContext
	return t
}

// Client returns an *http.Client with Transport(cfg, opts...).
func Client(cfg keepalive.Config, opts ...keepalive.DialOption) *http.Client {
	return &http.Client{Transport: Transport(cfg, opts...)}
}

// ListenAndServe is srv.ListenAndServe with cfg on every accepted
// connection: it listens on srv.Addr (":http" if empty) with keepalive.Listen.
func ListenAndServe(srv *http.Server, cfg keepalive.Config) error {
	addr := srv.Addr
	if addr == "" {
		addr = ":http"
	}
	ln, err := keepalive.Listen(context.Background(), "tcp", addr, cfg)
	if err != nil {
		return err
	}
	return srv.Serve(ln)
}

// Serve is srv.Serve(ln) with cfg applied to every connection ln accepts
// (keepalive.WrapListener), for a listener made elsewhere.
func Serve(srv *http.Server, ln net.Listener, cfg keepalive.Config) error {
	return srv.Serve(keepalive.WrapListener(ln, cfg))
}
