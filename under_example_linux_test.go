package keepalive_test

import (
	"fmt"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// Probes that keep flows through an AWS Network Load Balancer, which
// forgets a TCP flow idle for 350s: Idle + Interval fits in
// (350s - 1s) * 8/9, and the time Idle gave up goes into more probes, so
// that a dead peer is still noticed within the Config's bound.
func ExampleConfig_Under() {
	cfg := keepalive.Config{Idle: 10 * time.Minute, Interval: 30 * time.Second, Count: 4, UserTimeout: 12 * time.Minute}
	fmt.Println(cfg, cfg.Timeout())
	nlb := cfg.Under(350 * time.Second)
	fmt.Println(nlb, nlb.Timeout())
	// Output:
	// idle=10m0s,interval=30s,count=4,user-timeout=12m0s 12m0s
	// idle=4m40s,interval=30s,count=14,user-timeout=11m40s 11m40s
}
