package netns

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTally: Summary counts tracked tests as they end, skipped ones by
// reason, and a test with tracked subtests through them.
func TestTally(t *testing.T) {
	saved := tally.tests
	tally.tests, tally.reasons = map[string]*tallied{}, map[string]string{}
	savedReasons := tally.reasons
	defer func() { tally.tests, tally.reasons = saved, savedReasons }()
	assert.Empty(t, Summary(), "nothing tracked")

	t.Run("ran", func(t *testing.T) { Track(t); Track(t) })
	t.Run("root", func(t *testing.T) { Skip(t, "needs root") })
	t.Run("root too", func(t *testing.T) { Track(t); Skip(t, "needs root") })
	t.Run("by itself", func(t *testing.T) { Track(t); t.Skip("not today") })
	t.Run("parent", func(t *testing.T) {
		Track(t)
		t.Run("a", func(t *testing.T) { Track(t) })
		t.Run("b", func(t *testing.T) { Skip(t, "needs strace") })
	})
	t.Run("untracked", func(t *testing.T) { t.Skip("not an integration test") })
	assert.Equal(t, "integration: 2 ran, 4 skipped; needs root: 2 (TestTally/root, TestTally/root_too); "+
		"needs strace: 1 (TestTally/parent/b); skipped by the test itself (see go test -v): 1 (TestTally/by_itself)", Summary())
}
