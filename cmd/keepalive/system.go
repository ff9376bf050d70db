package main

import (
	"fmt"

	"github.com/tcpkeepalive/keepalive"
)

// system is -system: the system's keep-alive defaults, and what they
// mean in time for an idle peer and for one with data in flight.
func system(r *reporter) error {
	d, err := keepalive.SystemDefaults()
	if err != nil {
		return err
	}
	r.event("system", fields{"config": d.Config.String(), "idle_timeout": d.Config.Timeout().String(),
		"busy_timeout": d.BusyTimeout.String(), "retries": d.Retries},
		fmt.Sprintf("%v: a dead idle peer is noticed after %v; a dead peer with data in flight after %v (tcp_retries2 = %d)",
			d.Config, d.Config.Timeout(), d.BusyTimeout, d.Retries))
	return nil
}
