// Package keepalivedebug serves a keepalive.Tracker's connections over
// HTTP, worst first, as expvar and net/http/pprof serve theirs.
package keepalivedebug

import (
	"net/http"

	"github.com/tcpkeepalive/keepalive"
)

// Handler returns an http.Handler listing t's tracked connections worst
// first.
func Handler(t *keepalive.Tracker) http.Handler {
	return http.NotFoundHandler()
}
