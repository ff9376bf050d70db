package keepalive_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// What the kernel holds for both ends, read back with getsockopt.
func ExampleGet() {
	cfg := keepalive.Config{Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4, UserTimeout: 65 * time.Second}
	ln, err := keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", cfg)
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	conn, err := keepalive.NewDialer(keepalive.WithKeepalive(cfg)).Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	peer, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	defer peer.Close()

	for _, c := range []net.Conn{conn, peer} {
		st, err := keepalive.Get(c)
		if err != nil {
			panic(err)
		}
		fmt.Println(st, st.Timeout())
	}
	// Output:
	// on idle=37s,interval=7s,count=4,user-timeout=1m5s 1m5s
	// on idle=37s,interval=7s,count=4,user-timeout=1m5s 1m5s
}

// Telling "the peer is gone" from other errors, through any wrapping.
func ExampleIsPeerGone() {
	timedOut := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ETIMEDOUT)}
	fmt.Println(keepalive.IsPeerGone(fmt.Errorf("fetching: %w", timedOut)))
	fmt.Println(keepalive.IsPeerGone(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}))
	fmt.Println(keepalive.IsPeerGone(io.EOF))
	// Output:
	// true
	// false
	// false
}

// gRPC-go once paired Go's 15s probes with a 20s user timeout: one lost
// probe dropped the connection.
func ExampleConfig_Coherent() {
	cfg := keepalive.Config{UserTimeout: 20 * time.Second}
	fmt.Println(cfg.Timeout())
	fmt.Println(cfg.Coherent())
	// Output:
	// 30s
	// keepalive: UserTimeout 20s overrides Count 9: an idle connection to a dead peer is dropped after 1 unanswered probe(s) at 30s, not after 9 at 2m30s
}

// A Config for a detection bound (the figures are Linux's; other
// systems' limits give other Configs).
func ExampleWithin() {
	cfg := keepalive.Within(10 * time.Second)
	fmt.Println(cfg, cfg.Timeout())
	// Output: idle=1s,interval=1s,count=7,user-timeout=8s 8s
}

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

// A bound in the text form, as a flag, an environment variable, a JSON
// value, a MySQL DSN's keepalive= or the command's -config take it:
// within= is Within, under= is Under, and a bound the system cannot meet
// (below MinWithin on Linux) is an error rather than a slower Config.
func ExampleConfig_UnmarshalText_within() {
	var cfg keepalive.Config
	if err := cfg.UnmarshalText([]byte("within=30s,under=10s")); err != nil {
		panic(err)
	}
	fmt.Println(cfg == keepalive.Within(30*time.Second).Under(10*time.Second))

	err := cfg.UnmarshalText([]byte("within=1s"))
	fmt.Println(err != nil)
	// Output:
	// true
	// true
}
