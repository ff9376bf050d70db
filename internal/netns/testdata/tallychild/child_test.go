// Package tallychild is a test binary for TestTallyCountsEverySkip: its
// integration tests, each calling netns.Track first as every one must
// (TestEveryIntegrationTestCounted), skip in every way one can, and the
// tally must count each. It lives in testdata so that ./... leaves it
// out.
package tallychild

import (
	"os"
	"testing"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func TestMain(m *testing.M) {
	os.Exit(netns.Summarised{M: m}.Run())
}

func TestIntegrationRuns(t *testing.T) { netns.Track(t) }

func TestIntegrationSkip(t *testing.T) {
	netns.Track(t)
	t.Skip("skipping: by itself")
}

func TestIntegrationSkipNow(t *testing.T) {
	netns.Track(t)
	t.SkipNow()
}

func TestIntegrationSkipf(t *testing.T) {
	netns.Track(t)
	t.Skipf("skipping: %s", "formatted")
}

func skipInHelper(t *testing.T) {
	t.Helper()
	t.Skip("skipping: in a helper")
}

func TestIntegrationHelper(t *testing.T) {
	netns.Track(t)
	skipInHelper(t)
}

func TestIntegrationParallel(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	t.Skip("skipping: parallel")
}

// The harness's own ways: no nft on PATH (the parent empties PATH), a
// missing server binary, a reason given.
func TestIntegrationNFT(t *testing.T) { netns.NeedNFT(t) }

func TestIntegrationMissing(t *testing.T) {
	netns.Track(t)
	netns.Missing(t, "keepalive-no-such-server", "no-such-package")
}

func TestIntegrationSubtest(t *testing.T) {
	netns.Track(t)
	t.Run("runs", func(t *testing.T) { netns.Track(t) })
	t.Run("skips", func(t *testing.T) { netns.Skip(t, "a subtest's reason") })
}

// A test not named TestIntegration* that finds its server missing.
func TestServerMissing(t *testing.T) {
	netns.Missing(t, "keepalive-no-such-server", "no-such-package")
}

// Not an integration test: its skip is not the tally's business.
func TestUnit(t *testing.T) { t.Skip("skipping: a unit test") }
