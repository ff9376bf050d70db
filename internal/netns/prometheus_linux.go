package netns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A Scrape is what a Prometheus server scrapes.
type Scrape struct {
	Targets  []string      // host:port, as reached from the server's namespace
	Interval time.Duration // scrape_interval, whole milliseconds (1s if zero)
	Timeout  time.Duration // scrape_timeout, at most Interval (Interval if zero)
}

// A Prometheus is a Prometheus server from Debian's prometheus package,
// running in one of a Network's namespaces.
type Prometheus struct {
	client *http.Client
	base   string
}

// prometheusAddr is where a Prometheus listens, in its namespace.
const prometheusAddr = "127.0.0.1:9090"

// StartPrometheus runs a Prometheus server in namespace ns, as the
// prometheus user, with a configuration of one job, "keepalive",
// scraping s, and its data in a temporary directory; it returns once
// the server accepts queries. It is stopped when the test ends. Without
// the package the test fails under CI and skips elsewhere (Missing).
func (n *Network) StartPrometheus(t testing.TB, ns string, s Scrape) *Prometheus {
	t.Helper()
	server, err := exec.LookPath("prometheus")
	if err != nil {
		Missing(t, "prometheus", "prometheus")
		return nil
	}
	if s.Interval == 0 {
		s.Interval = time.Second
	}
	if s.Timeout == 0 {
		s.Timeout = s.Interval
	}
	dir := serverDir(t, "prometheus", "keepalive-prometheus-")
	config := filepath.Join(dir, "prometheus.yml")
	// JSON is YAML: the targets are quoted whatever they hold.
	targets, err := json.Marshal(s.Targets)
	if err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf("global:\n  scrape_interval: %dms\n  scrape_timeout: %dms\n"+
		"scrape_configs:\n  - job_name: keepalive\n    static_configs:\n      - targets: %s\n",
		s.Interval.Milliseconds(), s.Timeout.Milliseconds(), targets)
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p := n.Exec(ns, Command{
		Args: []string{server, "--config.file=" + config, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + prometheusAddr, "--log.level=info"},
		User: "prometheus",
		Dir:  dir,
		Stop: syscall.SIGKILL, // the data directory goes anyway
	})
	p.ExpectContaining("Server is ready to receive web requests", time.Minute)
	// Each query on a connection of its own, opened in ns, and none kept
	// open after it: nothing is left behind for goleak.
	transport := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var conn net.Conn
			err := In(ns, func() error {
				var err error
				conn, err = new(net.Dialer).DialContext(ctx, network, addr)
				return err
			})
			return conn, err
		},
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &Prometheus{client: &http.Client{Transport: transport, Timeout: 10 * time.Second}, base: "http://" + prometheusAddr}
}

// A Sample is one series of an instant query's result.
type Sample struct {
	Labels map[string]string // with __name__, where the series has one
	Value  float64
}

// Query evaluates the PromQL expression expr now, through the server's
// HTTP API (/api/v1/query), and returns the vector it gives.
func (p *Prometheus) Query(ctx context.Context, expr string) ([]Sample, error) {
	var data struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	if err := p.get(ctx, "/api/v1/query?query="+url.QueryEscape(expr), &data); err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: a %s, not a vector", expr, data.ResultType)
	}
	samples := make([]Sample, 0, len(data.Result))
	for _, r := range data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v: %w", expr, r.Value[1], err)
		}
		samples = append(samples, Sample{Labels: r.Metric, Value: v})
	}
	return samples, nil
}

// A Target is the server's view of one scrape target.
type Target struct {
	ScrapeURL string `json:"scrapeUrl"`
	Health    string `json:"health"` // "up", "down" or "unknown"
	LastError string `json:"lastError"`
}

// Targets returns the server's active targets (/api/v1/targets).
func (p *Prometheus) Targets(ctx context.Context) ([]Target, error) {
	var data struct {
		Active []Target `json:"activeTargets"`
	}
	if err := p.get(ctx, "/api/v1/targets", &data); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	return data.Active, nil
}

// get reads the data of one API answer into v.
func (p *Prometheus) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	var answer struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return fmt.Errorf("%s: %w: %.200s", resp.Status, err, body)
	}
	if answer.Status != "success" {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(answer.Error))
	}
	return json.Unmarshal(answer.Data, v)
}
