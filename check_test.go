package keepalive_test

// Health's rules and text, without a socket. Check and Inspect on real
// sockets are in check_linux_test.go.

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tcpkeepalive/keepalive"
)

// TestUnansweredRule pins when a probe counts as unanswered: only once
// it has been out longer than RTO, allowing for the keep-alive timer to
// fire up to 8/63 late, and for the timer to wait Interval after an
// answered probe when Interval is above Idle.
func TestUnansweredRule(t *testing.T) {
	on := keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 8 * time.Second, Interval: 2 * time.Second, Count: 4}}
	longInterval := keepalive.State{Enabled: true, Config: keepalive.Config{Idle: time.Second, Interval: 3 * time.Second, Count: 4}}
	rto := 204 * time.Millisecond
	lead := 8*time.Second + 8*time.Second*8/63 + 10*time.Millisecond // Idle, 8/63 late, a jiffy
	for _, tt := range []struct {
		name       string
		h          keepalive.Health
		unanswered bool
	}{
		{"nothing out", keepalive.Health{SinceReceived: time.Hour, RTO: rto, KeepAlive: on}, false},
		{"probe just sent", keepalive.Health{Probes: 1, SinceReceived: 8 * time.Second, RTO: rto, KeepAlive: on}, false},
		{"probe sent by a timer 8/63 late", keepalive.Health{Probes: 1, SinceReceived: 8*time.Second + 8*time.Second*8/63 + rto, RTO: rto, KeepAlive: on}, false},
		{"probe sent by a timer 8/63 late, a jiffy more", keepalive.Health{Probes: 1, SinceReceived: lead + rto, RTO: rto, KeepAlive: on}, false},
		{"probe out past RTO even if late", keepalive.Health{Probes: 1, SinceReceived: lead + rto + time.Millisecond, RTO: rto, KeepAlive: on}, true},
		{"interval above idle: probe just sent, Interval after the last answer", keepalive.Health{Probes: 1, SinceReceived: 3 * time.Second, RTO: rto, KeepAlive: longInterval}, false},
		{"interval above idle: probe out past RTO", keepalive.Health{Probes: 1, SinceReceived: 3*time.Second + 3*time.Second*8/63 + rto + 11*time.Millisecond, RTO: rto, KeepAlive: longInterval}, true},
		{"second probe", keepalive.Health{Probes: 2, SinceReceived: 10 * time.Second, RTO: rto, KeepAlive: on}, true},
		{"second probe, interval below RTO", keepalive.Health{Probes: 2, SinceReceived: 8*time.Second + 100*time.Millisecond, RTO: time.Second, KeepAlive: keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 8 * time.Second, Interval: 100 * time.Millisecond, Count: 4}}}, true},
		{"settings unknown, one probe", keepalive.Health{Probes: 1, SinceReceived: time.Hour, RTO: rto}, false},
		{"settings unknown, two probes", keepalive.Health{Probes: 2, SinceReceived: time.Hour, RTO: rto}, true},
		{"retransmission", keepalive.Health{Retransmissions: 1, Unacked: 3, RTO: rto}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.unanswered, tt.h.Unanswered())
		})
	}
}

func TestHealthString(t *testing.T) {
	h := keepalive.Health{
		State: keepalive.TCPEstablished, Probes: 2, SinceReceived: 4100 * time.Millisecond, RTO: 204 * time.Millisecond,
		KeepAlive: keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 4}},
		GivesUpIn: 1900 * time.Millisecond,
	}
	assert.Equal(t, "ESTABLISHED, probe 2 of 4 unanswered, nothing received for 4.1s, declared gone in ≤ 1.9s", h.String())
	h = keepalive.Health{State: keepalive.TCPClosed, Err: syscall.ETIMEDOUT}
	assert.Equal(t, "CLOSED, connection timed out", h.String())
	assert.Equal(t, "TCPState(200)", keepalive.TCPState(200).String())
}
