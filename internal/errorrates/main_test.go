package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTable: the tests' rate lines, among other output, make one row per
// measure and one column per loss, in order; a missing run is a dash.
func TestTable(t *testing.T) {
	in := `=== RUN   TestIntegrationLossyPool
rate {"kind":"pool","module":"keepalivepgx","loss":20,"seconds":300,"checkouts":1000,"discards":3,"errors":0,"baseline_errors":1}
rate {"kind":"alarms","loss":0,"seconds":300,"checks":500,"alarms":0}
rate {"kind":"alarms","loss":20,"seconds":300,"checks":400,"alarms":100}
    some log line
rate {"kind":"kills","config":"Within(5s)","settings":"idle=1s","loss":20,"seconds":3600,"connections":2,"kills":10,"per_hour":5,"model_per_hour":4.5}
rate {"kind":"detect","load":"idle","loss":0,"config":"idle=1s","warn_median":0.38,"warn_max":0.4,"gone_median":7.2,"gone_max":7.3}
rate {"kind":"detect","load":"busy","loss":20,"config":"idle=1s","warn_median":0.3,"warn_max":0.4,"gone_median":6.5,"gone_max":8.3,"gone_last_median":8.05,"gone_last_max":8.38}
`
	var out strings.Builder
	require.NoError(t, table(strings.NewReader(in), &out))
	got := out.String()
	assert.Contains(t, got, "| measured (each cell: its own run) | 0% loss each way | 20% loss each way |")
	assert.Contains(t, got, "| 0% (0 of 500) | 25% (100 of 400) |")
	assert.Contains(t, got, "| — | 0.3% (3 of 1000); errors 0 / 1 |")
	assert.Contains(t, got, "| — | 10 in 2 h (5/h); model 4.5/h |")
	assert.Contains(t, got, "| 0.38s (0.40s) / 7.20s (7.30s) | — |")
	assert.Contains(t, got, "| — | 0.30s (0.40s) / 6.50s (8.30s); 8.05s (8.38s) |")
	assert.Error(t, table(strings.NewReader("rate {not json"), &out))
}
