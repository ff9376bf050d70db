package netns

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// Loss makes the router drop percent of the packets it forwards, each
// way, at random (nftables numgen random mod 100 < percent); 0 takes the
// loss away. A Middlebox's own table is left as it is.
func (n *Network) Loss(percent int) {
	n.t.Helper()
	NeedNFT(n.t)
	if percent < 0 || percent > 100 {
		n.t.Fatalf("loss %d%%: want 0 to 100", percent)
	}
	// Deleting a table that is not there fails: add it empty first.
	rules := "table inet loss {}\ndelete table inet loss\n"
	if percent > 0 {
		rules += fmt.Sprintf(`table inet loss {
  chain fw {
    type filter hook forward priority -10; policy accept;
    numgen random mod 100 < %d drop
  }
}
`, percent)
	}
	n.runIn(rules, "ip", "netns", "exec", n.Router, "nft", "-f", "-")
}

// LossEnv and LossSecondsEnv name the loss (percent each way) and the
// length of a run that scripts/error-rates asks of the error-rate tests;
// the tests' short defaults apply where they are unset.
const (
	LossEnv        = "KEEPALIVE_LOSS"
	LossSecondsEnv = "KEEPALIVE_LOSS_SECONDS"
)

// LossRun returns the loss levels and the run length a test runs: those
// of LossEnv (a comma-separated list) and LossSecondsEnv when set, else
// the test's own.
func LossRun(levels []int, d time.Duration) ([]int, time.Duration) {
	if s := os.Getenv(LossEnv); s != "" {
		levels = nil
		for f := range strings.SplitSeq(s, ",") {
			p, err := strconv.Atoi(strings.TrimSpace(f))
			if err == nil {
				levels = append(levels, p)
			}
		}
	}
	if s, err := strconv.Atoi(os.Getenv(LossSecondsEnv)); err == nil && s > 0 {
		d = time.Duration(s) * time.Second
	}
	return levels, d
}

// LossConfig is the keep-alive Config of the churn's connections: probes
// after 1s idle, so that a checkout after 1.5s to 3s idle often finds
// one out (and on a lossy path, unanswered), and ten of them before the
// kernel gives up, so that the kernel itself almost never drops a live
// connection during a run (by internal/falsekill's model, 0.25 times per
// connection-hour at 20% loss): what the pool throws away is the pool's
// doing.
var LossConfig = keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 10, UserTimeout: 11 * time.Second}
