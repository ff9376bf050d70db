package keepalivepgx

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys"
)

// libpqKeys are libpq's keep-alive settings.
var libpqKeys = libpqkeys.Keys

// Keys is what libpq's keep-alive keys in a connection string say.
type Keys struct {
	// Given reports whether the connection string has at least one of
	// the keys. Without any, libpq turns keep-alive on with the system's
	// timers and pgx dials with Go's (15s, 15s, 9 probes).
	Given bool

	// Off reports keepalives=0: keep-alive off. libpq then reads none of
	// the other keys, tcp_user_timeout included, and neither does
	// ReadKeys: Config is the zero Config.
	Off bool

	// Config is what the other keys say: keepalives_idle,
	// keepalives_interval and keepalives_count in seconds or a count,
	// keepalive.System for a key left out, 0 or negative (libpq sets
	// nothing for a key left out, documents 0 as the system's value and
	// makes a negative value 0); tcp_user_timeout in milliseconds, 0 for
	// a key left out, 0 or negative (no user timeout, the system's
	// default).
	Config keepalive.Config
}

// ReadKeys reads libpq's keep-alive keys from c.RuntimeParams, where
// pgx's parser leaves them, without changing c. Each key's value is read
// on its own, as libpq reads it (docs/integrations.md#libpq-keys): a
// decimal integer within 32 bits, spaces around it allowed; keepalives
// any integer, non-zero meaning on.
//
// A value libpq refuses, or one beyond the running system's limits
// (keepalive.Config.Validate), is a *KeyError naming the key and the
// limit; the errors are joined.
//
// A Config whose tcp_user_timeout makes Linux ignore keepalives_count
// is not an error, as libpq does not refuse it: Keys.Coherent reports it.
func ReadKeys(c *pgconn.Config) (Keys, error) {
	if c == nil {
		return Keys{}, errNilConfig
	}
	s, err := libpqkeys.Read(c.RuntimeParams)
	if err != nil {
		return Keys{}, err
	}
	return Keys{Given: s.Given, Off: s.Off, Config: s.Config}, nil
}

// Coherent reports, as an error naming libpq's keys, a tcp_user_timeout
// that makes Linux drop an idle connection after a different number of
// unanswered probes than keepalives_count (keepalive.Config.Coherent):
// libpq and the kernel accept such a set, and so does Configure. It
// returns nil when keep-alive is off or no key is given.
func (k Keys) Coherent() error {
	if !k.Given || k.Off {
		return nil
	}
	if err := k.Config.Coherent(); err != nil {
		return fmt.Errorf("%w (libpq's tcp_user_timeout disagrees with keepalives_count)", err)
	}
	return nil
}

// A KeyError reports a libpq keep-alive key whose value cannot be used:
// Key is libpq's key (such as "keepalives_count"), Value the value as the
// connection string gives it, Limit what the value must be, and Err the
// *keepalive.ConfigError behind it when the running system is the limit.
// keepalivepgx and keepalivepq return the same type.
type KeyError = libpqkeys.KeyError
