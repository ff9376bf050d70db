package netns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// An End is what one process does: dial or listen, configured one of
// several ways, exchange a greeting, then behave as Mode says until its
// connection fails, and report how.
//
// It prints "ready" once listening, "exchanged <SO_PROTOCOL>" after the
// greeting (and once everything sent is acknowledged), and
// "result {json}" (a Result) when done.
type End struct {
	Dial   string // address to dial, or
	Listen string // address to listen on (one connection is accepted)

	How    How    // how the socket is configured
	Config string // keepalive.Config in its text form

	// Multipath asks for Multipath TCP explicitly
	// (SetMultipathTCP(true)) on the dialer or the ListenConfig. Go's
	// net.Listen (HowWrap) is Multipath TCP without asking.
	Multipath bool

	Mode    Mode // what it does after the greeting
	Readers int  // how many goroutines block in Read when Idle (1 if zero)

	// NoGreeting skips the greeting, for a listening End whose client is
	// not an End.
	NoGreeting bool
}

// A Mode is what an End does after the greeting.
type Mode uint8

const (
	// Idle: Readers goroutines block in Read.
	Idle Mode = iota + 1
	// Busy: keep writing, and reading, until a call fails.
	Busy
	// Connect: dialing only, no greeting: print "dialing", dial, and
	// report the dial's failure (no Failures if it connected).
	Connect
)

// String names the mode.
func (m Mode) String() string {
	switch m {
	case Idle:
		return "idle"
	case Busy:
		return "busy"
	case Connect:
		return "connect"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

func (End) role() string { return "end" }

func (e End) play(player) error { return e.run() }

const greeting = "hello\n"

func (e End) run() error {
	var cfg keepalive.Config
	if err := cfg.UnmarshalText([]byte(e.Config)); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var conn net.Conn
	var err error
	var reported []string // what WrapListener's OnError was told
	if e.Dial != "" {
		d, err := dialer(e.How, cfg, e.Multipath)
		if err != nil {
			return err
		}
		if e.Mode == Connect {
			return e.connect(ctx, d)
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
		ln, err := listen(ctx, e.How, e.Listen, cfg, e.Multipath, func(_ net.Conn, err error) {
			fmt.Fprintln(os.Stderr, "end: accepted connection:", err)
			reported = append(reported, err.Error()) // Accept's goroutine, before the exchange
		})
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
	if err := acked(conn); err != nil {
		return err
	}
	res, err := describe(conn)
	if err != nil {
		return err
	}
	res.Reported = reported
	start := time.Now()
	fmt.Printf("exchanged %d\n", res.Protocol)

	var mu sync.Mutex
	fail := func(op string, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Failures = append(res.Failures, failed(op, err, time.Since(start)))
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
	case Idle:
		for range max(e.Readers, 1) {
			wg.Add(1)
			go reader()
		}
	case Busy:
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
		return fmt.Errorf("unknown mode %v", e.Mode)
	}
	wg.Wait()
	return printResult(res)
}

// acked waits until everything conn sent is acknowledged, so that the
// connection is idle when the test cuts the path. The end that wrote the
// greeting last may have its ACK delayed; on Multipath TCP the peer's
// data-level acknowledgement (DATA_ACK) often misses the subflow's ACK,
// and the kernel then sends the greeting again on the subflow ~200ms
// later. Either way data would be in flight at the cut, and data in
// flight turns keep-alive off in favour of retransmissions.
func acked(conn net.Conn) error {
	rc, err := rawConn(conn)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var unacked uint64
		var serr error
		if err := rc.Control(func(fd uintptr) { unacked, serr = inFlight(int(fd)) }); err != nil {
			return err
		}
		if serr != nil {
			return serr
		}
		if unacked == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d still unacknowledged after 5s", unacked)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// inFlight is how much of what socket fd sent is unacknowledged: TCP
// segments, or on a Multipath TCP socket, data-level bytes (MPTCP_INFO's
// write_seq - snd_una) as well.
func inFlight(fd int) (uint64, error) {
	info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return 0, os.NewSyscallError("getsockopt TCP_INFO", err)
	}
	if info.Unacked != 0 {
		return uint64(info.Unacked), nil
	}
	proto, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil {
		return 0, os.NewSyscallError("getsockopt SO_PROTOCOL", err)
	}
	if proto != unix.IPPROTO_MPTCP {
		return 0, nil
	}
	// struct mptcp_info (linux/mptcp.h): six u8, a 2-byte hole, u32
	// flags, u32 token, then u64 write_seq at 16 and u64 snd_una at 24.
	var buf [32]byte
	n := uint32(len(buf))
	if _, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_MPTCP, kernel.MPTCPInfo,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0); errno != 0 {
		return 0, os.NewSyscallError("getsockopt MPTCP_INFO", errno)
	}
	if n < 32 {
		return 0, fmt.Errorf("MPTCP_INFO: %d bytes, want 32", n)
	}
	writeSeq := binary.NativeEndian.Uint64(buf[16:])
	sndUna := binary.NativeEndian.Uint64(buf[24:])
	return writeSeq - sndUna, nil
}

// connect dials and reports how the dial ended.
func (e End) connect(ctx context.Context, d *net.Dialer) error {
	fmt.Println("dialing")
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", e.Dial)
	var res Result
	if err != nil {
		res.Failures = append(res.Failures, failed("dial", err, time.Since(start)))
	} else {
		defer conn.Close()
		if res, err = describe(conn); err != nil {
			return err
		}
	}
	return printResult(res)
}

func errnoName(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.As(err, &errno):
		if errno == syscall.ECONNREFUSED {
			return "ECONNREFUSED"
		}
		for _, gone := range kernel.PeerGone {
			if errno == gone.Err {
				return gone.Name
			}
		}
		return errno.Error()
	}
	return ""
}
