package netns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// An End is what one process does: dial or listen, configured one of
// several ways, exchange a greeting, then behave as Mode says until its
// connection fails, and report how.
//
// It prints "ready" once listening, "exchanged" after the greeting, and
// "result {json}" (a Result) when done.
type End struct {
	Dial   string // address to dial, or
	Listen string // address to listen on (one connection is accepted)

	// How the socket is configured:
	//   "keepalive": NewDialer(WithKeepalive) or Listen
	//   "wrap":      WrapListener(net.Listen(...)), listening only
	//   "go":        net.Dialer / net.ListenConfig with KeepAliveConfig
	How    string
	Config string // keepalive.Config in its text form

	// Mode after the greeting:
	//   "idle": Readers goroutines block in Read (1 if zero)
	//   "busy": keep writing, and reading, until a call fails
	Mode    string
	Readers int

	// NoGreeting skips the greeting, for a listening End whose client is
	// not an End.
	NoGreeting bool
}

// A Call is one failed call, as the End saw it.
type Call struct {
	Op      string        // "read" or "write"
	Err     string        // the error's text
	Errno   string        // the syscall.Errno's name, if any ("ETIMEDOUT"), or "EOF"
	Elapsed time.Duration // since the greeting completed
}

// Result is what an End reports.
type Result struct {
	Calls []Call // in the order they failed
}

// RunEnd plays the End described by EndEnv, if it is set, and exits; a
// test binary's TestMain calls it first.
func RunEnd() {
	spec := os.Getenv(EndEnv)
	if spec == "" {
		return
	}
	var e End
	if err := json.Unmarshal([]byte(spec), &e); err != nil {
		fmt.Fprintln(os.Stderr, "end:", err)
		os.Exit(2)
	}
	if err := e.run(); err != nil {
		fmt.Fprintln(os.Stderr, "end:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

const greeting = "hello\n"

func (e End) run() error {
	var cfg keepalive.Config
	if err := cfg.UnmarshalText([]byte(e.Config)); err != nil {
		return err
	}
	goCfg := net.KeepAliveConfig{Enable: true, Idle: cfg.Idle, Interval: cfg.Interval, Count: cfg.Count}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var conn net.Conn
	var err error
	if e.Dial != "" {
		var d *net.Dialer
		switch e.How {
		case "keepalive":
			d = keepalive.NewDialer(keepalive.WithKeepalive(cfg))
		case "go":
			d = &net.Dialer{KeepAliveConfig: goCfg}
		default:
			return fmt.Errorf("cannot dial the %q way", e.How)
		}
		if conn, err = d.DialContext(ctx, "tcp", e.Dial); err != nil {
			return err
		}
		if _, err := io.WriteString(conn, greeting); err != nil {
			return err
		}
		if _, err := io.ReadFull(conn, make([]byte, len(greeting))); err != nil {
			return err
		}
	} else {
		var ln net.Listener
		switch e.How {
		case "keepalive":
			ln, err = keepalive.Listen(ctx, "tcp", e.Listen, cfg)
		case "wrap":
			// Go's own ListenConfig, Multipath TCP by default since 1.24.
			ln, err = net.Listen("tcp", e.Listen)
			if err == nil {
				ln = &keepalive.Listener{Listener: ln, Config: cfg, OnError: func(_ net.Conn, err error) {
					fmt.Fprintln(os.Stderr, "end: accepted connection:", err)
				}}
			}
		case "go":
			ln, err = (&net.ListenConfig{KeepAliveConfig: goCfg}).Listen(ctx, "tcp", e.Listen)
		default:
			return fmt.Errorf("cannot listen the %q way", e.How)
		}
		if err != nil {
			return err
		}
		defer ln.Close()
		fmt.Println("ready")
		if conn, err = ln.Accept(); err != nil {
			return err
		}
		if !e.NoGreeting {
			if _, err := io.ReadFull(conn, make([]byte, len(greeting))); err != nil {
				return err
			}
			if _, err := io.WriteString(conn, greeting); err != nil {
				return err
			}
		}
	}
	defer conn.Close()
	start := time.Now()
	fmt.Println("exchanged")

	var mu sync.Mutex
	var res Result
	fail := func(op string, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Calls = append(res.Calls, Call{Op: op, Err: err.Error(), Errno: errnoName(err), Elapsed: time.Since(start)})
	}
	var wg sync.WaitGroup
	reader := func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			if _, err := conn.Read(buf); err != nil {
				fail("read", err)
				return
			}
		}
	}
	switch e.Mode {
	case "idle":
		for range max(e.Readers, 1) {
			wg.Add(1)
			go reader()
		}
	case "busy":
		wg.Add(2)
		go reader()
		go func() {
			defer wg.Done()
			chunk := make([]byte, 1024)
			for {
				if _, err := conn.Write(chunk); err != nil {
					fail("write", err)
					conn.Close() // wake the reader
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	default:
		return fmt.Errorf("unknown mode %q", e.Mode)
	}
	wg.Wait()
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Printf("result %s\n", out)
	return nil
}

var errnoNames = map[syscall.Errno]string{
	syscall.ETIMEDOUT:    "ETIMEDOUT",
	syscall.ECONNRESET:   "ECONNRESET",
	syscall.EPIPE:        "EPIPE",
	syscall.EHOSTUNREACH: "EHOSTUNREACH",
}

func errnoName(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.As(err, &errno):
		if name, ok := errnoNames[errno]; ok {
			return name
		}
		return errno.Error()
	}
	return ""
}

// ParseResult reads the text after "result".
func ParseResult(s string) (Result, error) {
	var r Result
	err := json.Unmarshal([]byte(s), &r)
	return r, err
}
