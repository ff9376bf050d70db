package netns

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/tcpkeepalive/keepalive"
)

// The ways an End or a Flow configures its socket, named by its How:
//
//	"keepalive":    NewDialer(WithKeepalive(cfg)), or keepalive.Listen
//	"listenconfig": ConfigureListenConfig on a new net.ListenConfig (listening only)
//	"wrap":         a keepalive.Listener around net.Listen, Go's default
//	                Multipath TCP listener since Go 1.24 (listening only)
//	"go":           Go's own KeepAliveConfig with cfg's values
//	"off":          keep-alive off

// dialer returns the dialer of the way how, with Multipath TCP asked
// for if multipath.
func dialer(how string, cfg keepalive.Config, multipath bool) (*net.Dialer, error) {
	var d *net.Dialer
	switch how {
	case "keepalive":
		d = keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	case "go":
		d = &net.Dialer{KeepAliveConfig: goConfig(cfg)}
	case "off":
		d = &net.Dialer{KeepAlive: -1}
	default:
		return nil, fmt.Errorf("cannot dial the %q way", how)
	}
	if multipath {
		d.SetMultipathTCP(true)
	}
	return d, nil
}

// listen listens on addr the way how, with Multipath TCP asked for if
// multipath; onError is the "wrap" Listener's OnError.
func listen(ctx context.Context, how, addr string, cfg keepalive.Config, multipath bool, onError func(net.Conn, error)) (net.Listener, error) {
	var lc net.ListenConfig
	switch how {
	case "keepalive":
		if multipath {
			return nil, errors.New("keepalive.Listen is plain TCP on Linux; Multipath is for \"listenconfig\"")
		}
		return keepalive.Listen(ctx, "tcp", addr, cfg)
	case "listenconfig":
		keepalive.ConfigureListenConfig(&lc, cfg)
	case "wrap":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		return &keepalive.Listener{Listener: ln, Config: cfg, OnError: onError}, nil
	case "go":
		lc.KeepAliveConfig = goConfig(cfg)
	case "off":
		lc.KeepAlive = -1
	default:
		return nil, fmt.Errorf("cannot listen the %q way", how)
	}
	if multipath {
		lc.SetMultipathTCP(true)
	}
	return lc.Listen(ctx, "tcp", addr)
}

// goConfig is cfg as Go's own KeepAliveConfig.
func goConfig(cfg keepalive.Config) net.KeepAliveConfig {
	return net.KeepAliveConfig{Enable: true, Idle: cfg.Idle, Interval: cfg.Interval, Count: cfg.Count}
}
