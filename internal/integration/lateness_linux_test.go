package integration_test

// The keep-alive timer's lateness at a long Idle, too slow for CI (about
// Idle + 35s): scripts/timer-lateness runs it. TestIntegrationKeepalive-
// TimerLateness is the quick version.

import (
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// latenessEnv makes the test binary measure, over loopback, how late the
// first keep-alive probe leaves at an Idle of this many seconds, print
// the figures and exit before the tests.
const latenessEnv = "KEEPALIVE_TIMER_LATENESS"

func init() {
	v := os.Getenv(latenessEnv)
	if v == "" {
		return
	}
	idle, err := strconv.Atoi(v)
	if err == nil {
		err = measureLateness(time.Duration(idle) * time.Second)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// measureLateness sets keep-alive on 200 loopback connections spread
// over 17s, more than the coarsest timer wheel granularity an Idle up to
// 130s meets at HZ=250 (16.384s), and notes when each one's first probe
// is answered: its last acknowledgement received (tcpi_last_ack_recv)
// starts again from 0. Lateness is that moment less the last packet
// received and Idle.
func measureLateness(idle time.Duration) error {
	const conns = 200
	const spread = 17 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	var peers []net.Conn
	defer func() {
		for _, c := range peers {
			c.Close()
		}
	}()
	type conn struct {
		c        *net.TCPConn
		lastRecv time.Time
		answered time.Time
	}
	cs := make([]conn, 0, conns)
	open := func() error {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		a, err := ln.Accept()
		if err != nil {
			c.Close()
			return err
		}
		peers = append(peers, c, a)
		if _, err := c.Write([]byte{1}); err != nil {
			return err
		}
		if _, err := io.ReadFull(a, make([]byte, 1)); err != nil {
			return err
		}
		if _, err := a.Write([]byte{1}); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			return err
		}
		tc := c.(*net.TCPConn)
		if err := keepalive.Set(tc, keepalive.Config{Idle: idle, Interval: idle, Count: 9}); err != nil {
			return err
		}
		h, err := keepalive.Inspect(tc)
		if err != nil {
			return err
		}
		cs = append(cs, conn{c: tc, lastRecv: time.Now().Add(-h.SinceReceived)})
		return nil
	}
	// One loop opens a connection every spread/conns and polls those
	// open every 10ms, so that no first probe is missed.
	start := time.Now()
	deadline := start.Add(spread + idle + idle/7 + 5*time.Second)
	for left := conns; left > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d connections sent no probe by Idle·8/7 + 5s", left)
		}
		if len(cs) < conns && time.Since(start) >= time.Duration(len(cs))*spread/conns {
			if err := open(); err != nil {
				return err
			}
		}
		for i := range cs {
			c := &cs[i]
			if !c.answered.IsZero() || time.Since(c.lastRecv) < idle/2 {
				continue
			}
			info, err := tcpInfoOf(c.c)
			if err != nil {
				return err
			}
			if since := time.Duration(info.Last_ack_recv) * time.Millisecond; since < idle/4 {
				c.answered, left = time.Now().Add(-since), left-1
			}
		}
	}
	late := make([]time.Duration, conns)
	over := 0
	for i, c := range cs {
		late[i] = c.answered.Sub(c.lastRecv) - idle
		if late[i] > idle/8 {
			over++
		}
	}
	slices.Sort(late)
	fmt.Printf("Idle %v, %d connections: first probe late by %v to %v (median %v); worst %.2f%% of Idle; %d later than Idle/8, Check allows %v (8/63 and 10ms)\n",
		idle, conns, late[0].Round(time.Millisecond), late[conns-1].Round(time.Millisecond), late[conns/2].Round(time.Millisecond),
		100*float64(late[conns-1])/float64(idle), over, (idle*8/63 + 10*time.Millisecond).Round(time.Millisecond))
	return nil
}

// tcpInfoOf reads TCP_INFO, one getsockopt: a cheaper poll than Inspect.
func tcpInfoOf(c *net.TCPConn) (*unix.TCPInfo, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var info *unix.TCPInfo
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return nil, err
	}
	return info, ierr
}
