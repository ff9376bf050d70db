package netns

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Churn is what ChurnFor counts on a pool: checkouts (one query each),
// the queries that failed, and the connections the pool dialed.
type Churn struct {
	Checkouts, Errors, Dials int
	Seconds                  float64
}

// ChurnArg is the argument of a churn Call: the server's address and the
// run's length.
func ChurnArg(addr string, d time.Duration) string { return addr + " " + d.String() }

// ParseChurnArg undoes ChurnArg.
func ParseChurnArg(arg string) (addr string, d time.Duration, err error) {
	addr, ds, _ := strings.Cut(arg, " ")
	d, err = time.ParseDuration(ds)
	return addr, d, err
}

// ChurnFor runs ChurnWorkers workers, each with a pool of its own
// holding one connection (pools hand out their most recently used
// connection first, so that workers sharing a pool would find
// connections idle a fraction of the wait): each, until d has passed,
// waits 1.5s to 3s, so that its connection sits idle past a 1s
// keep-alive idle time, probes out, and then makes one query through its
// pool, query(ctx, worker). It returns the counts, with Dials from dials
// (all pools'), and prints them as a line "churn {json}" for the test
// that started the Call.
func ChurnFor(d time.Duration, dials func() int, query func(ctx context.Context, worker int) error) Churn {
	var checkouts, errs atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := range ChurnWorkers {
		wg.Go(func() {
			for {
				time.Sleep(1500*time.Millisecond + rand.N(1500*time.Millisecond))
				if time.Since(start) > d {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				err := query(ctx, w)
				cancel()
				checkouts.Add(1)
				if err != nil {
					errs.Add(1)
					fmt.Fprintf(os.Stderr, "churn: %v\n", err)
				}
			}
		})
	}
	wg.Wait()
	c := Churn{Checkouts: int(checkouts.Load()), Errors: int(errs.Load()), Dials: dials(), Seconds: time.Since(start).Seconds()}
	out, _ := json.Marshal(c)
	fmt.Printf("churn %s\n", out)
	return c
}

// Churn reads the churn line of a Call that ran ChurnFor.
func (p *Process) Churn(timeout time.Duration) (Churn, error) {
	var c Churn
	line, err := p.Wait("churn", timeout)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal([]byte(line), &c)
}

// Discards is how many connections the pools threw away during a churn:
// those dialed beyond one for each worker.
func (c Churn) Discards() int { return max(0, c.Dials-ChurnWorkers) }

// Rate is n per checkout.
func (c Churn) Rate(n int) float64 {
	if c.Checkouts == 0 {
		return 0
	}
	return float64(n) / float64(c.Checkouts)
}

// ChurnWorkers is how many workers, each with a pool of one
// connection, a churn runs.
const ChurnWorkers = 8

// RunChurn starts each Call of names in the client's namespace with
// ChurnArg(addr, d), waits until each is in flight (its pool filled),
// makes the path lose loss percent each way, signals the calls to churn
// (WaitForCut), and returns what each counted, by name. The loss is
// taken away before it returns.
func (n *Network) RunChurn(t *testing.T, names []string, addr string, loss int, d time.Duration) map[string]Churn {
	t.Helper()
	procs := map[string]*Process{}
	for _, name := range names {
		procs[name] = n.StartCall(n.Client, name, ChurnArg(addr, d))
	}
	for name, p := range procs {
		if _, err := p.Wait("inflight", time.Minute); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	n.Loss(loss)
	defer n.Loss(0)
	for name, p := range procs {
		if err := p.Signal(syscall.SIGUSR1); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	got := map[string]Churn{}
	for name, p := range procs {
		c, err := p.Churn(d + 2*time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got[name] = c
	}
	return got
}

// needlessTarget is issue 22's bound on needless discards per checkout,
// by loss: a live server, so every discard is needless.
var needlessTarget = map[int]float64{0: 0, 1: 0.001, 5: 0.005, 20: 0.02}

// CheckChurn reports, as a line "rate {json}" on the test's output (what
// scripts/error-rates collects) and in the log, a pool module's churn
// with its hooks (with) and without them (without) against a live server
// at loss percent each way; and fails the test when the pool threw away
// more connections than the target allows (its rate on the checkouts
// made, plus 2 for chance) or the callers saw more errors than without
// the hooks (plus 1).
func CheckChurn(t *testing.T, module string, loss int, with, without Churn) {
	t.Helper()
	discards := with.Discards()
	line, _ := json.Marshal(map[string]any{
		"kind": "pool", "module": module, "loss": loss, "seconds": with.Seconds, "workers": ChurnWorkers,
		"checkouts": with.Checkouts, "discards": discards, "errors": with.Errors,
		"baseline_checkouts": without.Checkouts, "baseline_discards": without.Discards(), "baseline_errors": without.Errors,
	})
	fmt.Printf("rate %s\n", line)
	t.Logf("%s at %d%% loss each way, %.0fs, %d pools of one connection: %d checkouts, %d discarded (%.2f%%), %d errors; without the hooks %d checkouts, %d discarded, %d errors",
		module, loss, with.Seconds, ChurnWorkers, with.Checkouts, discards, 100*with.Rate(discards), with.Errors,
		without.Checkouts, without.Discards(), without.Errors)
	if with.Checkouts < ChurnWorkers {
		t.Errorf("%d checkouts: the churn did not run", with.Checkouts)
	}
	target, ok := needlessTarget[loss]
	if !ok {
		target = 0.02
	}
	if allowed := int(target*float64(with.Checkouts)) + 2; discards > allowed {
		t.Errorf("%d needless discards in %d checkouts at %d%% loss, want at most %d", discards, with.Checkouts, loss, allowed)
	}
	if with.Errors > without.Errors+1 {
		t.Errorf("%d caller errors with the hooks, %d without", with.Errors, without.Errors)
	}
}

// ChurnDB is ChurnFor on database/sql pools, one for each worker, each
// made by open and limited to one connection; dials counts the
// connections dialed. It returns after the churn, the pools closed.
func ChurnDB(d time.Duration, open func() (*sql.DB, error), dials *Dials, inflight func()) error {
	var dbs []*sql.DB
	defer func() {
		for _, db := range dbs {
			db.Close()
		}
	}()
	for range ChurnWorkers {
		db, err := open()
		if err != nil {
			return err
		}
		dbs = append(dbs, db)
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		if err := db.Ping(); err != nil {
			return err
		}
	}
	inflight()
	WaitForCut() // the loss is on
	ChurnFor(d, dials.Count, func(ctx context.Context, w int) error {
		_, err := dbs[w].ExecContext(ctx, "SELECT 1")
		return err
	})
	return nil
}
