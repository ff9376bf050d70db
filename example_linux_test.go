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
