package keepalivepq

import "github.com/tcpkeepalive/keepalive/internal/libpqkeys"

// libpqKeys are libpq's keep-alive keys.
var libpqKeys = libpqkeys.Keys

// A KeyError reports a libpq keep-alive key whose value cannot be used:
// Key is libpq's key (such as "keepalives_count"), Value the value as the
// connection string gives it, Limit what the value must be, and Err the
// *keepalive.ConfigError behind it when the running system is the limit.
// keepalivepgx and keepalivepq return the same type.
type KeyError = libpqkeys.KeyError
