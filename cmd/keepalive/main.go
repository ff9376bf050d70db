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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// main runs the command on os.Args and exits with its code.
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

// errDied is run's error when a held connection died; what and when
// was reported already.
var errDied = errors.New("the connection died")

// defaultConfig is the Config -config starts from: a dead idle peer
// noticed in 45s.
var defaultConfig = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

// options are the command's flags, parsed.
type options struct {
	cfg                        keepalive.Config
	connect, listen            string
	hold, ping, every, timeout time.Duration
	findIdle                   time.Duration
	system                     bool
}

// run parses args, checks that the flags go together, and runs the mode
// they ask for, printing events on stdout and flag errors on stderr. Its
// error is what exitCode turns into the exit code.
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
