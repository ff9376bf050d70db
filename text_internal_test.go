package keepalive

// The text form on each system's table.

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestStringEverywhere is the text form on each system: rounded to the
// system's units, with what the system lacks reading "system".
func TestStringEverywhere(t *testing.T) {
	full := Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}
	odd := Config{Idle: 1500 * time.Millisecond, UserTimeout: 1500 * time.Microsecond}
	allSystem := Config{Idle: System, Interval: System, Count: System, UserTimeout: System}
	tests := []struct {
		table           *sockopts
		zero, full, odd string
	}{
		{linuxOptions, "idle=15s,interval=15s,count=9", "idle=30s,interval=5s,count=3,user-timeout=45s", "idle=2s,interval=15s,count=9,user-timeout=2ms"},
		{darwinOptions, "idle=15s,interval=15s,count=9", "", "idle=2s,interval=15s,count=9,user-timeout=1s"},
		{freebsdOptions, "", "", "idle=2s,interval=15s,count=9,user-timeout=1s"},
		{netbsdOptions, "", "", "idle=1.5s,interval=15s,count=9,user-timeout=1s"},
		{dragonflyMillisOptions, "", "", "idle=1.5s,interval=15s,count=9,user-timeout=1s"},
		{openbsdOptions, "idle=system,interval=system,count=system", "", ""},
		{illumosOptions, "", "", "idle=2s,interval=15s,count=9,user-timeout=2ms"},
		{solarisLegacyOptions, "idle=15s,interval=system,count=system", "idle=30s,interval=5s,count=3,user-timeout=45s", "idle=1.5s,interval=system,count=system,user-timeout=2ms"},
		{aixOptions, "idle=system,interval=system,count=9", "", ""},
		{windowsOptions, "", "", "idle=2s,interval=15s,count=9,user-timeout=1s"},
		{windowsFor(false, false, true), "idle=15s,interval=15s,count=system", "", "idle=1.5s,interval=15s,count=system,user-timeout=1s"},
		{plan9Options, "idle=15s,interval=system,count=system", "", "idle=1.5s,interval=system,count=system,user-timeout=1s"},
	}
	for _, tt := range tests {
		t.Run(tt.table.os, func(t *testing.T) {
			check := func(c Config, want string) {
				t.Helper()
				if want != "" {
					assert.Equal(t, want, c.stringFor(tt.table))
				}
			}
			check(Config{}, tt.zero)
			check(full, tt.full)
			check(odd, tt.odd)
			check(allSystem, "idle=system,interval=system,count=system,user-timeout=system")
		})
	}
}
