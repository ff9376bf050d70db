package keepalive

import (
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// socket returns a new socket of the given type, closed at the end of
// the test.
func socket(t *testing.T, typ, proto int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, typ|unix.SOCK_CLOEXEC, proto)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// TestKernelErrorsNameTheOption goes below Validate, to the kernel.
func TestKernelErrorsNameTheOption(t *testing.T) {
	fd := socket(t, unix.SOCK_STREAM, unix.IPPROTO_TCP)
	err := setFD(uintptr(fd), Config{Idle: 10 * time.Second, Count: 200})
	var se *os.SyscallError
	require.ErrorAs(t, err, &se)
	assert.EqualError(t, err, "setsockopt TCP_KEEPCNT: invalid argument")
	assert.ErrorIs(t, err, unix.EINVAL)

	// A UDP socket has no TCP options, and is not Multipath TCP: a plain
	// error, not a partial success.
	udp := socket(t, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	err = setFD(uintptr(udp), Config{UserTimeout: time.Second})
	assert.EqualError(t, err, "setsockopt TCP_USER_TIMEOUT: protocol not available")
	assert.False(t, errors.Is(err, errors.ErrUnsupported))
	assert.ErrorIs(t, checkTCP(uintptr(udp)), errNotTCP)
	assert.NoError(t, checkTCP(uintptr(fd)))
}

// TestTimeoutOverflow uses limits no Linux kernel has: on Linux the
// field limits keep the bound far from overflowing.
func TestTimeoutOverflow(t *testing.T) {
	huge := &sockopts{
		os:       "test",
		idle:     sockopt{name: "idle", unit: time.Nanosecond, min: 1, max: math.MaxInt64},
		interval: sockopt{name: "interval", unit: time.Nanosecond, min: 1, max: math.MaxInt64},
		count:    sockopt{name: "count", min: 1, max: math.MaxInt32},
	}
	err := Config{Idle: time.Hour, Interval: 1 << 40, Count: 1 << 30}.validateFor(huge)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Timeout", ce.Field)
	assert.Contains(t, err.Error(), "overflows")
	assert.NoError(t, Config{Idle: time.Hour, Interval: time.Hour, Count: 1000}.validateFor(huge))
	// System fields are the system's, which the kernel keeps within its
	// own limits: they never make a Config invalid.
	assert.NoError(t, Config{Idle: System, Interval: System, Count: System}.validateFor(huge))
	assert.NoError(t, Config{Idle: time.Hour, Interval: 1 << 40, Count: System}.validateFor(huge))
	assert.NoError(t, Config{Idle: 32767 * time.Second, Interval: 32767 * time.Second, Count: 127}.validateFor(linuxOptions))
}

func TestNoUserTimeoutPlatform(t *testing.T) {
	err := Config{UserTimeout: time.Second}.validateFor(plan9Options)
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.Contains(t, err.Error(), "plan9 has no user timeout")
}

func TestSystemSysctls(t *testing.T) {
	c, err := systemDefaults()
	require.NoError(t, err)
	assert.Positive(t, c.Idle)
	assert.Positive(t, c.Interval)
	assert.Positive(t, c.Count)
}

func TestRetransmitTimeout(t *testing.T) {
	// tcp(7): "The default value of 15 yields a hypothetical timeout of
	// 924.6 seconds".
	assert.Equal(t, 924600*time.Millisecond, retransmitTimeout(15, 200*time.Millisecond, 120*time.Second))
	assert.Equal(t, 200*time.Millisecond, retransmitTimeout(0, 200*time.Millisecond, 120*time.Second))
	assert.Equal(t, 600*time.Millisecond, retransmitTimeout(1, 200*time.Millisecond, 120*time.Second))
}
