package fdlimit

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Exhaust makes every new descriptor fail with EMFILE, as a server at
// its fd limit does, until restore is called: it lowers RLIMIT_NOFILE
// to a few above the descriptors open, and holds the rest.
func Exhaust(t *testing.T) (restore func()) {
	t.Helper()
	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	low := lim
	low.Cur = uint64(len(entries)) + 8
	require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &low))
	var held []int
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		held = append(held, fd)
	}
	return func() {
		for _, fd := range held {
			unix.Close(fd)
		}
		require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &lim))
	}
}
