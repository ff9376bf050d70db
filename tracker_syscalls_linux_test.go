package keepalive_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// trackerCostsEnv makes the test binary, run again under strace, dial
// and accept trackerConns connections: its value says how they are
// tracked ("tracked": WithTracker and Listener; "track": Track on each
// end) or not ("plain").
const trackerCostsEnv = "KEEPALIVE_TRACKER_COSTS"

const trackerConns = 20

func init() {
	way := os.Getenv(trackerCostsEnv)
	if way == "" {
		return
	}
	if err := trackerConnect(way); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// trackerConnect dials and accepts trackerConns connections, tracked as
// way says (trackerCostsEnv).
func trackerConnect(way string) error {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	lc := &net.ListenConfig{}
	keepalive.ConfigureListenConfig(lc, sockettest.Config)
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	opts := []keepalive.DialOption{keepalive.WithKeepalive(sockettest.Config)}
	if way == "tracked" {
		ln = tr.Listener(ln)
		opts = append(opts, keepalive.WithTracker(tr))
	}
	d := keepalive.NewDialer(opts...)
	for range trackerConns {
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		a, err := ln.Accept()
		if err != nil {
			return err
		}
		if way == "track" {
			if err := errors.Join(tr.Track(c), tr.Track(a)); err != nil {
				return err
			}
		}
		a.Close()
		c.Close()
	}
	if way != "plain" && tr.Len() == 0 {
		return fmt.Errorf("nothing tracked")
	}
	return nil
}

// socketCall matches a traced system call that could touch a socket.
var socketCall = regexp.MustCompile(`(?m)^\d+\s+(\w+)\(`)

// TestIntegrationTrackerSyscalls counts, with strace, the system calls
// that could touch a socket (%network and %desc, but for the runtime's
// poller and memory and the reads of its own files) in 20 dials and
// accepts, tracked (by WithTracker and Listener, or by Track) and not:
// a Tracker adds none.
func TestIntegrationTrackerSyscalls(t *testing.T) {
	netns.Track(t)
	if _, err := exec.LookPath("strace"); err != nil {
		netns.Skip(t, "needs strace (apt-get install strace)")
	}
	count := func(way string) map[string]int {
		trace := sockettest.Traced(t, "%network,%desc", trackerCostsEnv+"="+way)
		calls := map[string]int{}
		for _, m := range socketCall.FindAllStringSubmatch(trace, -1) {
			switch m[1] {
			case "epoll_pwait", "epoll_wait", "read", "write", "pread64", "openat", "readlinkat", "fstat", "newfstatat", "mmap", "munmap":
				// the runtime: its poller, its memory, the executable's files
			default:
				calls[m[1]]++
			}
		}
		return calls
	}
	plain, tracked, track := count("plain"), count("tracked"), count("track")
	t.Logf("syscalls in %d dials and accepts: tracked %v, not %v, by Track %v", trackerConns, tracked, plain, track)
	assert.Equal(t, plain, tracked)
	assert.Equal(t, plain, track)
}
