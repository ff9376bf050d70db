package keepalivepq

import (
	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys"
)

// libpqKeys are libpq's keep-alive keys.
var libpqKeys = libpqkeys.Keys

// A KeyError reports a libpq keep-alive key whose value cannot be used:
// Key is libpq's key (such as "keepalives_count"), Value the value as the
// connection string gives it, Limit what the value must be, and Err the
// *keepalive.ConfigError behind it when the running system is the limit.
// keepalivepgx and keepalivepq return the same type.
type KeyError = libpqkeys.KeyError

// settings is what libpq's keys in a connection string say.
type settings struct {
	found bool // any of the keys is there
	off   bool // keepalives=0
	cfg   keepalive.Config
}

// readKeys reads libpq's keep-alive keys from runtime, lib/pq's
// Config.Runtime, each value on its own, as libpq does (see
// NewConnectorConfig).
func readKeys(runtime map[string]string) (settings, error) {
	s, err := libpqkeys.Read(runtime)
	if err != nil {
		return settings{}, err
	}
	return settings{found: s.Given, off: s.Off, cfg: s.Config}, nil
}
