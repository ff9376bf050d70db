package netns

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/tcpkeepalive/keepalive"
)

// How is the way an End or a Flow configures its socket.
type How uint8

const (
	// HowKeepalive: keepalive.NewDialer(keepalive.WithKeepalive(cfg)),
	// or keepalive.Listen.
	HowKeepalive How = iota + 1
	// HowListenConfig: keepalive.ConfigureListenConfig on a new
	// net.ListenConfig (listening only).
	HowListenConfig
	// HowWrap: a keepalive.Listener around net.Listen, Go's default
	// Multipath TCP listener since Go 1.24 (listening only).
	HowWrap
	// HowGo: Go's own KeepAliveConfig with cfg's values.
	HowGo
	// HowOff: keep-alive off.
	HowOff
)

// String names the way, as the tests' names have it.
func (h How) String() string {
	switch h {
	case HowKeepalive:
		return "keepalive"
	case HowListenConfig:
		return "listenconfig"
	case HowWrap:
		return "wrap"
	case HowGo:
		return "go"
	case HowOff:
		return "off"
	}
	return fmt.Sprintf("How(%d)", uint8(h))
}

// dialer returns the dialer of the way how, with Multipath TCP asked
// for if multipath.
func dialer(how How, cfg keepalive.Config, multipath bool) (*net.Dialer, error) {
	var d *net.Dialer
	switch how {
	case HowKeepalive:
		d = keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	case HowGo:
		d = &net.Dialer{KeepAliveConfig: goConfig(cfg)}
	case HowOff:
		d = &net.Dialer{KeepAlive: -1}
	default:
		return nil, fmt.Errorf("cannot dial the %v way", how)
	}
	if multipath {
		d.SetMultipathTCP(true)
	}
	return d, nil
}

// listen listens on addr the way how, with Multipath TCP asked for if
// multipath; onError is the HowWrap Listener's OnError.
func listen(ctx context.Context, how How, addr string, cfg keepalive.Config, multipath bool, onError func(net.Conn, error)) (net.Listener, error) {
	var lc net.ListenConfig
	switch how {
	case HowKeepalive:
		if multipath {
			return nil, errors.New("keepalive.Listen is plain TCP on Linux; Multipath is for HowListenConfig")
		}
		return keepalive.Listen(ctx, "tcp", addr, cfg)
	case HowListenConfig:
		keepalive.ConfigureListenConfig(&lc, cfg)
	case HowWrap:
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		return &keepalive.Listener{Listener: ln, Config: cfg, OnError: onError}, nil
	case HowGo:
		lc.KeepAliveConfig = goConfig(cfg)
	case HowOff:
		lc.KeepAlive = -1
	default:
		return nil, fmt.Errorf("cannot listen the %v way", how)
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
