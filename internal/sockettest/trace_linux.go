package sockettest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// Traced runs the test binary again under strace -f, tracing the calls
// named (strace's -e trace=), with env added to its environment, and
// returns the trace; it skips, counted (netns.Skip), where strace cannot
// trace. The binary, told by env what to do, does it in an init function
// and exits before the tests (it runs with -test.run=^$).
func Traced(t *testing.T, calls, env string) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "trace")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "strace", "-f", "-qq", "-e", "trace="+calls, "-o", out, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env)
	if b, err := cmd.CombinedOutput(); err != nil {
		netns.Skip(t, fmt.Sprintf("strace cannot trace here: %v: %s", err, b))
	}
	trace, err := os.ReadFile(out)
	require.NoError(t, err)
	return string(trace)
}
