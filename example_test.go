package keepalive_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// An HTTP server whose accepted connections notice a dead client within
// 45s, idle or busy, on every system.
func ExampleListen() {
	cfg := keepalive.Within(45 * time.Second)
	ln, err := keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", cfg)
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})}
	go srv.Serve(ln)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: hello
}

// A net.ListenConfig of your own, whose Control hook stays and runs
// first.
func ExampleConfigureListenConfig() {
	lc := &net.ListenConfig{Control: func(network, address string, rc syscall.RawConn) error {
		fmt.Println("own hook:", network)
		return nil
	}}
	keepalive.ConfigureListenConfig(lc, keepalive.Within(45*time.Second))
	ln, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	fmt.Println("listening")
	// Output:
	// own hook: tcp4
	// listening
}

// An HTTP client whose connections notice a dead server within 45s,
// idle or busy.
func ExampleWithKeepalive() {
	cfg := keepalive.Within(45 * time.Second) // valid on every system
	d := &net.Dialer{Timeout: 5 * time.Second}
	keepalive.WithKeepalive(cfg)(d)
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}

	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	resp, err := client.Get("http://" + ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	client.CloseIdleConnections()
	// Output: hello
}

// An HTTP server whose accepted connections carry the Config, on a
// listener built elsewhere.
func ExampleWrapListener() {
	cfg := keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second} // Count: Go's 9, or the system's where it has no setting
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ln := keepalive.WrapListener(inner, cfg)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "served")
	})}
	go srv.Serve(ln)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: served
}

// A Listener built directly, to observe the connections the Config could
// not be applied to. Here the inner listener hands out an in-memory
// connection, which has no TCP socket: Accept returns it unchanged and
// OnError hears of it (of the first one only, for this kind).
func ExampleListener() {
	client, server := net.Pipe()
	defer client.Close()
	ln := &keepalive.Listener{
		Listener: &pipeListener{conns: []net.Conn{server}},
		Config:   keepalive.Config{Idle: 20 * time.Second},
		OnError: func(conn net.Conn, err error) {
			fmt.Println("OnError:", err)
		},
	}
	conn, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	fmt.Println("accepted:", conn == server)
	_, err = ln.Accept()
	fmt.Println(err)
	// Output:
	// OnError: set pipe pipe->pipe: keepalive: *net.pipe is neither a syscall.Conn nor has a NetConn method
	// accepted: true
	// no more connections
}

// A pipeListener accepts the connections it holds, then fails.
type pipeListener struct{ conns []net.Conn }

func (l *pipeListener) Accept() (net.Conn, error) {
	if len(l.conns) == 0 {
		return nil, errors.New("no more connections")
	}
	c := l.conns[0]
	l.conns = l.conns[1:]
	return c, nil
}

func (l *pipeListener) Close() error   { return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// A connection that already exists, configured after the fact.
func ExampleSet() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	err = keepalive.Set(conn, keepalive.Config{Idle: 10 * time.Second, Interval: 2 * time.Second})
	fmt.Println(err)
	err = keepalive.Set(conn, keepalive.Config{Count: -3})
	fmt.Println(err != nil)
	// Output:
	// <nil>
	// true
}

// A Config from a flag or an environment variable, in its text form.
func ExampleConfig_UnmarshalText() {
	os.Setenv("APP_KEEPALIVE", "idle=20s,interval=4s,count=5,user-timeout=40s")
	var cfg keepalive.Config
	if err := cfg.UnmarshalText([]byte(os.Getenv("APP_KEEPALIVE"))); err != nil {
		panic(err)
	}
	fmt.Println(cfg)

	err := cfg.UnmarshalText([]byte("idle=20s,count=many"))
	fmt.Println(err)
	// Output:
	// idle=20s,interval=4s,count=5,user-timeout=40s
	// keepalive: count="many": not a whole number
}

// A Config as a command-line flag, with flag.TextVar.
func ExampleConfig_flag() {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	var cfg keepalive.Config
	fs.TextVar(&cfg, "keepalive", keepalive.Within(10*time.Second), "TCP keep-alive settings")
	fs.Parse([]string{"-keepalive", "idle=20s,interval=2s,count=5"})
	fmt.Println(cfg)
	// Output: idle=20s,interval=2s,count=5
}

// A Config in a JSON (or YAML) configuration file, through its text form.
func ExampleConfig_json() {
	var conf struct {
		Keepalive keepalive.Config `json:"keepalive"`
	}
	if err := json.Unmarshal([]byte(`{"keepalive": "keepalives_idle=30,keepalives_count=3,tcp_user_timeout=45000"}`), &conf); err != nil {
		panic(err)
	}
	out, _ := json.Marshal(conf)
	fmt.Println(string(out))
	// Output: {"keepalive":"idle=30s,interval=15s,count=3,user-timeout=45s"}
}

// A Config in structured logs: slog.LogValuer.
func ExampleConfig_LogValue() {
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{} // deterministic output
		}
		return a
	}}))
	log.Info("dialing", "keepalive", keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second})
	// Output: level=INFO msg=dialing keepalive.idle=30s keepalive.interval=5s keepalive.count=3 keepalive.user-timeout=45s
}
