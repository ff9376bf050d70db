// Command keepalive shows the TCP keep-alive settings the kernel holds
// for sockets configured by the keepalive library, and watches a
// connection to see whether a path kills idle flows before keep-alive
// saves them.
//
//	keepalive                                  loopback: dial and accept, print both sockets
//	keepalive -connect host:port               dial, print the socket's values
//	keepalive -connect host:port -hold 10m     ... then hold it idle and report how it ends
//	keepalive -connect host:port -hold 10m -ping 30s   ... sending a byte every 30s
//	keepalive -listen :7777                    accept, print each connection and how it ends
//	keepalive -connect host:port -find-idle-timeout 10m   find how long the path keeps an idle flow
//	keepalive -system                          the system's defaults, in time
//
// -config sets the keep-alive settings in the library's text form
// (idle=…,interval=…,count=…,user-timeout=…, or within=…, either with
// under=…); -json prints one JSON object per event on stdout,
// errors included. The exit code is 2 for bad flags or an unreachable
// target, 1 if a held connection died, 0 otherwise. Ctrl-C prints a
// summary.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

func main() {
	os.Exit(command(os.Args[1:]))
}

// command is the command run with args, on the process's stdout and
// stderr, until done or interrupted; it returns the exit code.
func command(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	return exitCode(run(ctx, args, os.Stdout, os.Stderr), os.Stderr)
}

// exitCode is the exit code for run's error, which it prints on stderr
// unless it was printed already.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errDied):
		return 1
	case errors.Is(err, flag.ErrHelp), isReported(err):
		return 2
	default:
		fmt.Fprintln(stderr, "keepalive:", err)
		return 2
	}
}

// errDied: a held connection died; what and when was reported already.
var errDied = errors.New("the connection died")

var defaultConfig = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

type options struct {
	cfg                        keepalive.Config
	connect, listen            string
	hold, ping, every, timeout time.Duration
	findIdle                   time.Duration
	system                     bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("keepalive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // parseError prints it for -h, one line on it otherwise
	var o options
	o.cfg = defaultConfig
	fs.Var(configFlag{&o.cfg}, "config", "keep-alive settings in the library's text form: idle=…,interval=…,count=…,user-timeout=… (each may be \"system\"), or within=… (a dead peer noticed within that), either with under=… (a NAT's idle timeout to stay under)")
	fs.StringVar(&o.connect, "connect", "", "dial `host:port` instead of a loopback listener")
	fs.StringVar(&o.listen, "listen", "", "accept connections on `addr` and report each")
	fs.DurationVar(&o.hold, "hold", 0, "with -connect: hold the connection this long and report how it ends (0: print and exit)")
	fs.DurationVar(&o.ping, "ping", 0, "with -hold: send one byte this often (0: stay idle)")
	fs.DurationVar(&o.every, "every", 10*time.Second, "with -hold or -find-idle-timeout: report that the connection is alive this often")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for -connect")
	fs.DurationVar(&o.findIdle, "find-idle-timeout", 0, "with -connect: find the path's idle timeout, up to this long, against keepalive -listen")
	fs.BoolVar(&o.system, "system", false, "print the system's keep-alive defaults and what they mean in time")
	asJSON := fs.Bool("json", false, "print one JSON object per event")
	if err := fs.Parse(args); err != nil {
		return parseError(fs, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.connect != "" && o.listen != "":
		return errors.New("-connect and -listen exclude each other")
	case o.hold < 0 || o.ping < 0 || o.every <= 0:
		return errors.New("-hold and -ping must not be negative, -every must be positive")
	case o.hold > 0 && o.connect == "":
		return errors.New("-hold goes with -connect")
	case o.hold == 0 && given(fs, "ping"):
		return errors.New("-ping goes with -hold")
	case o.hold == 0 && o.findIdle == 0 && given(fs, "every"):
		return errors.New("-every goes with -hold or -find-idle-timeout")
	case o.findIdle != 0 && o.connect == "":
		return errors.New("-find-idle-timeout goes with -connect")
	case o.findIdle != 0 && o.hold > 0:
		return errors.New("-find-idle-timeout goes with -connect, not -hold")
	}
	if err := systemAlone(fs); err != nil {
		return err
	}
	r := &reporter{w: stdout, json: *asJSON}
	defer r.failed(&err)
	switch {
	case o.system:
		return system(r)
	case o.listen != "":
		return listen(ctx, r, o)
	case o.findIdle != 0:
		return findIdleTimeout(ctx, r, o)
	case o.connect != "":
		return connect(ctx, r, o)
	}
	return demo(ctx, r, o)
}

// A reporter prints events, as text or JSON lines.
type reporter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

type fields map[string]any

func (r *reporter) event(kind string, f fields, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.json {
		f["time"], f["event"] = now.Format(time.RFC3339Nano), kind
		enc := json.NewEncoder(r.w)
		enc.SetEscapeHTML(false) // "->" in errors, not "-\u003e"
		enc.Encode(f)
		return
	}
	fmt.Fprintf(r.w, "%s %-9s %s\n", now.Format("15:04:05.000"), kind, text)
}

func (r *reporter) config(cfg keepalive.Config) {
	r.event("config", fields{"config": cfg.String(), "timeout": cfg.Timeout().String()},
		fmt.Sprintf("%v: a dead idle peer is noticed %v after the last packet received from it", cfg, cfg.Timeout()))
	if err := cfg.Coherent(); err != nil {
		r.event("warning", fields{"warning": err.Error()}, err.Error())
	}
	// A field left to the system whose value cannot be read (no /proc
	// under fd exhaustion, or a system without a way) is Linux's default
	// in the timeout above: say so rather than state it as read.
	if cfg.Idle == keepalive.System || cfg.Interval == keepalive.System || cfg.Count == keepalive.System {
		if _, err := keepalive.SystemDefaults(); err != nil {
			w := fmt.Sprintf("the timeout takes Linux's defaults (2h, 75s, 9) for the fields left to the system, which cannot be read: %v", err)
			r.event("warning", fields{"warning": w}, w)
		}
	}
}

// socket reports what the kernel holds for conn.
func (r *reporter) socket(what string, conn net.Conn) error {
	st, err := keepalive.Get(conn)
	if err != nil {
		return err
	}
	r.event(what, fields{"local": conn.LocalAddr().String(), "remote": conn.RemoteAddr().String(), "keepalive": st.Enabled,
		"config": st.Config.String(), "timeout": st.Config.Timeout().String()},
		fmt.Sprintf("%v -> %v: keep-alive %v (timeout %v)", conn.LocalAddr(), conn.RemoteAddr(), st, st.Config.Timeout()))
	return nil
}

func system(r *reporter) error {
	d, err := keepalive.SystemDefaults()
	if err != nil {
		return err
	}
	r.event("system", fields{"config": d.Config.String(), "idle_timeout": d.Config.Timeout().String(),
		"busy_timeout": d.BusyTimeout.String(), "retries": d.Retries},
		fmt.Sprintf("%v: a dead idle peer is noticed after %v; a dead peer with data in flight after %v (tcp_retries2 = %d)",
			d.Config, d.Config.Timeout(), d.BusyTimeout, d.Retries))
	return nil
}

func demo(ctx context.Context, r *reporter, o options) error {
	r.config(o.cfg)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ln, err := keepalive.Listen(ctx, "tcp", "127.0.0.1:0", o.cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		defer close(accepted)
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	conn, err := keepalive.NewDialer(keepalive.WithKeepalive(o.cfg)).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer conn.Close()
	peer, ok := <-accepted
	if !ok {
		return errors.New("loopback listener accepted nothing")
	}
	defer peer.Close()
	return errors.Join(r.socket("dialed", conn), r.socket("accepted", peer))
}

func connect(ctx context.Context, r *reporter, o options) error {
	r.config(o.cfg)
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	conn, err := keepalive.NewDialer(keepalive.WithKeepalive(o.cfg)).DialContext(dctx, "tcp", o.connect)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := r.socket("dialed", conn); err != nil {
		return err
	}
	if o.hold == 0 {
		return nil
	}
	return hold(ctx, r, o, conn)
}

// hold watches conn until it dies, o.hold passes, or ctx is done.
func hold(ctx context.Context, r *reporter, o options, conn net.Conn) error {
	start := time.Now()
	var mu sync.Mutex
	lastHeard, received := start, 0
	var lastSent time.Time
	died := make(chan error, 2)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			mu.Lock()
			received += n
			if n > 0 {
				lastHeard = time.Now()
			}
			mu.Unlock()
			if err != nil {
				died <- err
				return
			}
		}
	}()
	var ping <-chan time.Time
	if o.ping > 0 {
		t := time.NewTicker(o.ping)
		defer t.Stop()
		ping = t.C
	}
	alive := time.NewTicker(o.every)
	defer alive.Stop()
	deadline := time.NewTimer(o.hold)
	defer deadline.Stop()
	sent := 0
	watch := time.NewTicker(healthEvery)
	defer watch.Stop()
	var health healthWatch
	health.poll(r, conn)
	summary := func(outcome string) {
		mu.Lock()
		defer mu.Unlock()
		r.event("summary", fields{"outcome": outcome, "held": time.Since(start).String(), "sent": sent, "received": received},
			fmt.Sprintf("%s after %v; %d bytes sent, %d received", outcome, time.Since(start).Round(time.Millisecond), sent, received))
	}
	for {
		select {
		case <-ping:
			if _, err := conn.Write([]byte{0}); err != nil {
				died <- err
				continue
			}
			mu.Lock()
			sent++
			lastSent = time.Now()
			mu.Unlock()
		case <-alive.C:
			mu.Lock()
			quiet := time.Since(lastHeard)
			mu.Unlock()
			f, packet := lastPacket(conn)
			f["held"], f["quiet"] = time.Since(start).String(), quiet.String()
			r.event("alive", f, fmt.Sprintf("still open after %v (no data received for %v%s)", time.Since(start).Round(time.Second), quiet.Round(time.Second), packet))
		case <-watch.C:
			taken := health.poll(r, conn)
			if taken == nil {
				continue
			}
			// Inspect took the kernel's error: the reader, woken too,
			// may hold it instead, or io.EOF.
			var readErr error
			select {
			case readErr = <-died:
			case <-time.After(100 * time.Millisecond):
			}
			died <- diedWith(readErr, taken)
		case err := <-died:
			mu.Lock()
			quiet := time.Since(lastHeard)
			server := serverClose(err, time.Since(start), time.Since(lastSent), sent, received)
			mu.Unlock()
			how := describe(err)
			f, packet := lastPacket(conn)
			f["how"], f["peer_gone"], f["error"], f["held"], f["quiet"] = how, keepalive.IsPeerGone(err), err.Error(), time.Since(start).String(), quiet.String()
			f["server_close"] = server != ""
			text := fmt.Sprintf("%s after %v, no data received for %v%s (%v)", how, time.Since(start).Round(time.Millisecond), quiet.Round(time.Millisecond), packet, err)
			if server != "" {
				f["likely"] = server
				text += ": " + server
			}
			r.event("died", f, text)
			if server != "" {
				summary("died (most likely the server's own close, not the path's): " + how)
				return errDied
			}
			summary("died: " + how)
			return errDied
		case <-deadline.C:
			summary("still open")
			return nil
		case <-ctx.Done():
			summary("interrupted, still open")
			return nil
		}
	}
}

// describe says how a connection ended, in an operator's words:
// keepalive.IsPeerGone decides whether the peer is gone, errnoWords says
// how.
func describe(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "closed by the peer (EOF)"
	case !keepalive.IsPeerGone(err):
		return "failed"
	}
	for _, e := range kernel.PeerGone {
		if errors.Is(err, e.Err) {
			return errnoWords(e)
		}
	}
	return "peer gone"
}

// errnoWords says what e means: "timed out (ETIMEDOUT: keep-alive probes
// or the user timeout went unanswered)".
func errnoWords(e kernel.Errno) string {
	if e.Why == "" {
		return e.Says + " (" + e.Name + ")"
	}
	return e.Says + " (" + e.Name + ": " + e.Why + ")"
}

func listen(ctx context.Context, r *reporter, o options) error {
	r.config(o.cfg)
	ln, err := keepalive.Listen(ctx, "tcp", o.listen, o.cfg)
	if err != nil {
		return err
	}
	r.event("listening", fields{"addr": ln.Addr().String()}, "on "+ln.Addr().String())
	run := newRun()
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for c := range open {
			c.Close()
		}
	})
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		mu.Lock()
		open[conn] = true
		mu.Unlock()
		if err := r.socket("accepted", conn); err != nil {
			r.event("error", fields{"error": err.Error()}, err.Error())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := serveConn(r, conn, run)
			if err == nil {
				err = io.EOF
			}
			if ctx.Err() == nil {
				how := describe(err)
				f, packet := lastPacket(conn)
				f["remote"], f["how"], f["peer_gone"], f["error"], f["held"] = conn.RemoteAddr().String(), how, keepalive.IsPeerGone(err), err.Error(), time.Since(start).String()
				r.event("closed", f, fmt.Sprintf("%v: %s after %v%s", conn.RemoteAddr(), how, time.Since(start).Round(time.Millisecond), packet))
			}
			mu.Lock()
			delete(open, conn)
			mu.Unlock()
			conn.Close()
		}()
	}
}
