package keepalive

// The kernel structs the library lays out itself, field by field.

import (
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeepaliveVals pins struct tcp_keepalive (mstcpip.h): three ULONGs,
// onoff, keepalivetime and keepaliveinterval, in milliseconds.
func TestKeepaliveVals(t *testing.T) {
	var v tcpKeepalive
	assert.Equal(t, uintptr(12), unsafe.Sizeof(v))
	assert.Equal(t, uintptr(0), unsafe.Offsetof(v.OnOff))
	assert.Equal(t, uintptr(4), unsafe.Offsetof(v.Time))
	assert.Equal(t, uintptr(8), unsafe.Offsetof(v.Interval))

	legacy := windowsFor(false, false, true)
	tests := []struct {
		name string
		c    Config
		want tcpKeepalive
	}{
		{"Go's defaults", Config{}, tcpKeepalive{1, 15000, 15000}},
		{"rounded up to milliseconds", Config{Idle: 30 * time.Second, Interval: 1500500 * time.Microsecond}, tcpKeepalive{1, 30000, 1501}},
		{"the largest", Config{Idle: maxUint32 * time.Millisecond, Interval: time.Millisecond}, tcpKeepalive{1, maxUint32, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.c.validateFor(legacy))
			assert.Equal(t, tt.want, keepaliveVals(legacy, tt.c.resolvedFor(legacy, Config{})))
		})
	}
}

// TestFreeBSDTCPInfo pins freebsdTCPInfo to struct tcp_info of FreeBSD's
// sys/netinet/tcp.h (current header; see freebsdTCPInfo): each named
// field's offset as the C compiler lays it out, and the size, 236 bytes
// of fields and padding, rounded up to 240 where the u_int64_t
// tcpi_total_tlp_bytes aligns on 8 bytes. (32-bit arm: C aligns it on 8,
// Go on 4; the kernel copies what fits, and the fields read come first.)
func TestFreeBSDTCPInfo(t *testing.T) {
	var v freebsdTCPInfo
	size := uintptr(236)
	if unsafe.Alignof(v.TotalTLPBytes) == 8 {
		size = 240
	}
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof", unsafe.Sizeof(v), size},
		{"tcpi_state", unsafe.Offsetof(v.State), 0},
		{"tcpi_options", unsafe.Offsetof(v.Options), 5},
		{"tcpi_snd_wscale, tcpi_rcv_wscale", unsafe.Offsetof(v.Wscale), 6},
		{"tcpi_rto", unsafe.Offsetof(v.Rto), 8},
		{"tcpi_snd_mss", unsafe.Offsetof(v.SndMss), 16},
		{"tcpi_rcv_mss", unsafe.Offsetof(v.RcvMss), 20},
		{"tcpi_last_data_recv", unsafe.Offsetof(v.LastDataRecv), 52},
		{"tcpi_rtt", unsafe.Offsetof(v.Rtt), 68},
		{"tcpi_rttvar", unsafe.Offsetof(v.Rttvar), 72},
		{"tcpi_snd_ssthresh", unsafe.Offsetof(v.SndSsthresh), 76},
		{"tcpi_snd_cwnd", unsafe.Offsetof(v.SndCwnd), 80},
		{"tcpi_rcv_space", unsafe.Offsetof(v.RcvSpace), 96},
		{"tcpi_snd_wnd", unsafe.Offsetof(v.SndWnd), 100},
		{"tcpi_snd_bwnd", unsafe.Offsetof(v.SndBwnd), 104},
		{"tcpi_snd_nxt", unsafe.Offsetof(v.SndNxt), 108},
		{"tcpi_rcv_nxt", unsafe.Offsetof(v.RcvNxt), 112},
		{"tcpi_toe_tid", unsafe.Offsetof(v.ToeTid), 116},
		{"tcpi_snd_rexmitpack", unsafe.Offsetof(v.SndRexmitpack), 120},
		{"tcpi_rcv_ooopack", unsafe.Offsetof(v.RcvOoopack), 124},
		{"tcpi_snd_zerowin", unsafe.Offsetof(v.SndZerowin), 128},
		{"tcpi_delivered_ce", unsafe.Offsetof(v.DeliveredCE), 132},
		{"tcpi_received_ce", unsafe.Offsetof(v.ReceivedCE), 136},
		{"tcpi_total_tlp", unsafe.Offsetof(v.TotalTLP), 164},
		{"tcpi_total_tlp_bytes", unsafe.Offsetof(v.TotalTLPBytes), 168},
		{"tcpi_snd_una", unsafe.Offsetof(v.SndUna), 176},
		{"tcpi_snd_max", unsafe.Offsetof(v.SndMax), 180},
		{"tcpi_rcv_numsacks", unsafe.Offsetof(v.RcvNumsacks), 184},
		{"tcpi_rcv_adv", unsafe.Offsetof(v.RcvAdv), 188},
		{"tcpi_dupacks", unsafe.Offsetof(v.Dupacks), 192},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
}
