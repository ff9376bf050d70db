package netns

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records Skip and Fatal instead of
// ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = args[0].(string) }
func (r *recorder) Fatal(args ...any) { r.failed = args[0].(string) }
func (r *recorder) Name() string      { return "recorder" }
func (r *recorder) Cleanup(func())    {} // left out of the tally

// TestNeedNFT: without nft the middlebox tests skip, except under CI,
// where they fail: .ci/run installs nftables.
func TestNeedNFT(t *testing.T) {
	if why := Available(); why != "" {
		t.Skip("skipping: " + why)
	}
	// A PATH with ip and without nft.
	ip, err := exec.LookPath("ip")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.Symlink(ip, filepath.Join(dir, "ip")))
	t.Setenv("PATH", dir)
	for _, tt := range []struct {
		ci             string
		skipped, fails bool
	}{
		{"", true, false},
		{"true", false, true},
	} {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		NeedNFT(r)
		assert.Equal(t, tt.skipped, r.skipped != "", "CI=%q: skipped %q", tt.ci, r.skipped)
		assert.Equal(t, tt.fails, r.failed != "", "CI=%q: failed %q", tt.ci, r.failed)
		assert.Contains(t, r.skipped+r.failed, "apt-get install nftables")
	}
}
