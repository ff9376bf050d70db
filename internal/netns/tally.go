package netns

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The tally of integration tests: which ran and which skipped, and why,
// for the line Summary prints after the run. Track counts a test or
// subtest (New, NewDelayed, Skip and NeedNFT call it; every
// TestIntegration* test calls one of them first), and Skip records the
// reason. It uses testing's API alone (t.Cleanup, t.Skipped), nothing
// of testing.M's unexported fields, so that every Go release runs it
// alike. Each run of a test is its own record, found by its testing.TB:
// with go test -count=2 a test runs twice under one name, and a skip in
// the second run must count as much as one in the first.
var tally struct {
	mu    sync.Mutex
	tests map[testing.TB]*tallied
	runs  map[string]int // test name -> how many of its runs are tracked
}

type tallied struct {
	test                  string // t.Name()
	run                   int    // 1 for the first run of test, 2 for the second, ...
	done, skipped, failed bool
	why                   string // why it skipped, if through Skip
}

// label is rec's test name, and which run it was from the second on.
func (rec *tallied) label() string {
	if rec.run == 1 {
		return rec.test
	}
	return fmt.Sprintf("%s (run %d)", rec.test, rec.run)
}

// Track counts t in Summary: once t ends, as run (and failed, if so) or
// as skipped. Tracking the same test again in the same run does nothing.
func Track(t testing.TB) {
	track(t)
}

// track is Track, returning t's record.
func track(t testing.TB) *tallied {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	if tally.tests == nil {
		tally.tests, tally.runs = map[testing.TB]*tallied{}, map[string]int{}
	}
	if rec := tally.tests[t]; rec != nil {
		return rec
	}
	tally.runs[t.Name()]++
	rec := &tallied{test: t.Name(), run: tally.runs[t.Name()]}
	tally.tests[t] = rec
	t.Cleanup(func() {
		tally.mu.Lock()
		defer tally.mu.Unlock()
		rec.done, rec.skipped, rec.failed = true, t.Skipped(), t.Failed()
	})
	return rec
}

// Skip skips t, counted in Summary with the reason why.
func Skip(t testing.TB, why string) {
	t.Helper()
	rec := track(t)
	tally.mu.Lock()
	rec.why = why
	tally.mu.Unlock()
	t.Skip("skipping: " + why)
}

// Summary returns one line on the integration tests of the run: how many
// ran (and failed), how many skipped and why, naming them when few. It
// returns "" when none was tracked (none selected, or not Linux).
// A test whose subtests are tracked (they build their own Network, say)
// counts through them, one each.
func Summary() string {
	line, _ := summary()
	return line
}

func summary() (line string, skips int) {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	var ran, failed int
	skipped := map[string][]string{} // reason -> tests
	for _, rec := range tally.tests {
		switch {
		case !rec.done, hasTrackedSubtest(rec.test):
			// A test counts through its tracked subtests, if any.
		case rec.skipped:
			why := rec.why
			if why == "" {
				why = "skipped by the test itself (see go test -v)"
			}
			skipped[why] = append(skipped[why], rec.label())
		default:
			ran++
			if rec.failed {
				failed++
			}
		}
	}
	if ran+len(skipped) == 0 {
		return "", 0
	}
	var b strings.Builder
	fmt.Fprintf(&b, "integration: %d ran", ran)
	if failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", failed)
	}
	var parts []string
	for _, why := range slices.Sorted(maps.Keys(skipped)) {
		names := skipped[why]
		slices.Sort(names)
		skips += len(names)
		part := fmt.Sprintf("%s: %d", why, len(names))
		if len(names) <= 3 {
			part += " (" + strings.Join(names, ", ") + ")"
		}
		parts = append(parts, part)
	}
	fmt.Fprintf(&b, ", %d skipped", skips)
	if len(parts) > 0 {
		b.WriteString("; " + strings.Join(parts, "; "))
	}
	return b.String(), skips
}

func hasTrackedSubtest(name string) bool {
	for _, other := range tally.tests {
		if strings.HasPrefix(other.test, name+"/") {
			return true
		}
	}
	return false
}

// A Summarised test main prints Summary after the tests ran:
// goleak.VerifyTestMain(netns.Summarised{m}) or
// os.Exit(netns.Summarised{m}.Run()). go test shows it with -v, or when
// the package fails. With KEEPALIVE_NO_SKIP=1 or CI=true in the
// environment, a skipped integration test fails the run, for a machine
// (CI) where every one must run.
//
// It counts what Track saw: every TestIntegration* test calls Track
// (or New, NewDelayed or NeedNFT, which call it) first, so that its
// skip is counted however it comes (t.Skip in a helper, say). Every
// package with TestIntegration* tests runs them under Summarised, and
// every such test tracks first: TestEveryIntegrationTestCounted reads
// every test file of the repository to hold both.
type Summarised struct{ M interface{ Run() int } }

// Run runs the tests and prints the summary. With KEEPALIVE_NO_SKIP=1 or
// CI=true, a skipped integration test fails the run.
func (s Summarised) Run() int {
	code := s.M.Run()
	line, skips := summary()
	if line == "" {
		return code
	}
	fmt.Println(line)
	if why := mustRun(); code == 0 && skips > 0 && why != "" {
		fmt.Printf("FAIL: %d integration tests skipped, and %s\n", skips, why)
		return 1
	}
	return code
}

// mustRun says why a skipped integration test fails the run here, or "".
func mustRun() string {
	switch {
	case os.Getenv("KEEPALIVE_NO_SKIP") == "1":
		return "KEEPALIVE_NO_SKIP=1"
	case strings.EqualFold(os.Getenv("CI"), "true"):
		return "CI=true"
	}
	return ""
}
