package keepalive_test

import (
	"net"

	"github.com/tcpkeepalive/keepalive"
)

// listenConfig is a new net.ListenConfig configured with c.
func listenConfig(c keepalive.Config) *net.ListenConfig {
	lc := &net.ListenConfig{}
	keepalive.ConfigureListenConfig(lc, c)
	return lc
}
