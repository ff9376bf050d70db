package keepalivepq

import (
	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys"
)

// libpqKeys are libpq's keep-alive keys.
var libpqKeys = libpqkeys.Keys

// A KeyError reports a libpq keep-alive key whose value cannot be used.
type KeyError struct {
	Key   string // the libpq key, e.g. "keepalives_count"
	Value string // its value as given
	Limit string // what the value must be
	Err   error  // the *keepalive.ConfigError for a value the system refuses; else nil
}

func (e *KeyError) Error() string {
	return libpqkeys.Message("keepalivepq", &libpqkeys.KeyError{Key: e.Key, Value: e.Value, Limit: e.Limit})
}

func (e *KeyError) Unwrap() error { return e.Err }

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
		return settings{}, libpqkeys.Convert(err, func(e *libpqkeys.KeyError) error {
			return &KeyError{Key: e.Key, Value: e.Value, Limit: e.Limit, Err: e.Err}
		})
	}
	return settings{found: s.Given, off: s.Off, cfg: s.Config}, nil
}
