// Command errorrates makes docs/measurements.md's table of error rates
// from the "rate {json}" lines the error-rate tests print (the
// integration tests TestIntegrationFalseAlarms, TestIntegrationFalseKills,
// TestIntegrationLossyDetection and each pool module's
// TestIntegrationLossyPool), read on standard input. scripts/error-rates
// runs the tests and then this. It is not API.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// rate is one line's fields; each kind uses some.
type rate struct {
	Kind, Module, Config, Settings, Load string
	Loss                                 int
	Seconds                              float64
	Connections                          int

	Checks, Alarms, Gone int // alarms

	Checkouts, Discards, Errors                         int // pool
	BaselineCheckouts, BaselineDiscards, BaselineErrors int
	Kills                                               int // kills
	Expected, PerHour, ModelPerHour                     float64
	WarnMedian, WarnMax, GoneMedian, GoneMax            float64 // detect
	GoneLastMedian, GoneLastMax                         float64 // detect, from the last packet received
}

func main() {
	if err := table(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "errorrates: %v\n", err)
		os.Exit(1)
	}
}

// table reads the rate lines from in and writes the table to out.
func table(in io.Reader, out io.Writer) error {
	var rates []rate
	s := bufio.NewScanner(in)
	for s.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "rate ")
		if !ok {
			continue
		}
		var r rate
		if err := json.Unmarshal([]byte(snake(line)), &r); err != nil {
			return fmt.Errorf("%v: %s", err, line)
		}
		rates = append(rates, r)
	}
	var losses []int
	for _, r := range rates {
		if !slices.Contains(losses, r.Loss) {
			losses = append(losses, r.Loss)
		}
	}
	slices.Sort(losses)
	row := func(name string, cell func(loss int) string) {
		cells := []string{name}
		for _, l := range losses {
			cells = append(cells, cell(l))
		}
		fmt.Fprintf(out, "| %s |\n", strings.Join(cells, " | "))
	}
	find := func(keep func(rate) bool) (rate, bool) {
		for _, r := range rates {
			if keep(r) {
				return r, true
			}
		}
		return rate{}, false
	}
	head := []string{"measured (each cell: its own run)"}
	for _, l := range losses {
		head = append(head, fmt.Sprintf("%d%% loss each way", l))
	}
	fmt.Fprintf(out, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))

	row("`Check` false alarms (`ErrUnanswered` on a live idle peer), per check", func(l int) string {
		r, ok := find(func(r rate) bool { return r.Kind == "alarms" && r.Loss == l })
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%s (%d of %d)", pct(r.Alarms, r.Checks), r.Alarms, r.Checks)
	})
	var modules []string
	for _, r := range rates {
		if r.Kind == "pool" && !slices.Contains(modules, r.Module) {
			modules = append(modules, r.Module)
		}
	}
	slices.Sort(modules)
	for _, m := range modules {
		row(fmt.Sprintf("%s: needless discards per checkout; caller errors with / without the hooks", m), func(l int) string {
			r, ok := find(func(r rate) bool { return r.Kind == "pool" && r.Module == m && r.Loss == l })
			if !ok {
				return "—"
			}
			return fmt.Sprintf("%s (%d of %d); errors %d / %d", pct(r.Discards, r.Checkouts), r.Discards, r.Checkouts, r.Errors, r.BaselineErrors)
		})
	}
	var configs []string
	for _, r := range rates {
		if r.Kind == "kills" && !slices.Contains(configs, r.Config) {
			configs = append(configs, r.Config)
		}
	}
	for _, c := range configs {
		var settings string
		if r, ok := find(func(r rate) bool { return r.Kind == "kills" && r.Config == c }); ok {
			settings = r.Settings
		}
		row(fmt.Sprintf("kernel's false kills, `%s` (%s): measured kills in connection-hours (per connection-hour); the model's rate", c, settings), func(l int) string {
			r, ok := find(func(r rate) bool { return r.Kind == "kills" && r.Config == c && r.Loss == l })
			if !ok {
				return "—"
			}
			hours := float64(r.Connections) * r.Seconds / 3600
			return fmt.Sprintf("%d in %.2g h (%.3g/h); model %.2g/h", r.Kills, hours, r.PerHour, r.ModelPerHour)
		})
	}
	for _, load := range []string{"idle", "busy"} {
		var settings string
		if r, ok := find(func(r rate) bool { return r.Kind == "detect" && r.Load == load }); ok {
			settings = r.Config
		}
		row(fmt.Sprintf("dead peer, %s (%s): `Check` warns / reports gone, median (max) after the cut; gone after the last packet received", load, settings), func(l int) string {
			r, ok := find(func(r rate) bool { return r.Kind == "detect" && r.Load == load && r.Loss == l })
			if !ok {
				return "—"
			}
			cell := fmt.Sprintf("%.2fs (%.2fs) / %.2fs (%.2fs)", r.WarnMedian, r.WarnMax, r.GoneMedian, r.GoneMax)
			if r.GoneLastMedian > 0 {
				cell += fmt.Sprintf("; %.2fs (%.2fs)", r.GoneLastMedian, r.GoneLastMax)
			}
			return cell
		})
	}
	return s.Err()
}

// pct is n of total as a percentage.
func pct(n, total int) string {
	if total == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2g%%", 100*float64(n)/float64(total))
}

// snake turns the lines' snake_case keys into the field names
// encoding/json matches case-insensitively.
func snake(line string) string { return strings.ReplaceAll(line, "_", "") }
