package keepaliveredis

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// DialerWithoutCheck is Dialer as it was before it asked keepalive.Check:
// the baseline of the tests that measure the check.
func DialerWithoutCheck(cfg keepalive.Config, dialTimeout time.Duration, tlsConfig *tls.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return dialer(cfg, dialTimeout, tlsConfig, nil, nil)
}

// DialerWithCheck is Dialer with check in keepalive.Check's place.
func DialerWithCheck(cfg keepalive.Config, check func(net.Conn) error) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return dialer(cfg, time.Second, nil, check, nil)
}
