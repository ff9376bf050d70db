//go:build darwin || freebsd || windows

package keepalive

import (
	"fmt"

	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// errDroppedEarlier is the pending error Check reports, where the system
// tells a closed connection from its state, for one the kernel closed
// after an earlier call took its error: what a write then returns
// (kernel.Dropped). Linux reports nil there, as after an orderly close.
// It has no "keepalive: " prefix: Health.Err is the socket's error, a
// bare errno everywhere else.
var errDroppedEarlier = fmt.Errorf("connection dropped earlier, its error already taken: %w", kernel.Dropped)
