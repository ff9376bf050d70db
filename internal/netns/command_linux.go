package netns

import (
	"bufio"
	"os/exec"
	"os/user"
	"strings"
	"syscall"
	"time"
)

// A Command is a program other than the test binary — a real server —
// run inside one of a Network's namespaces.
type Command struct {
	Args []string // the program and its arguments
	User string   // run as this user ("" for the test's own); root-shy servers need one
	Dir  string   // working directory ("" for the test's)

	// Stop is the signal that asks the program to end when the test
	// ends (SIGTERM if zero); whatever is left of its process group
	// after 10s is killed.
	Stop syscall.Signal
}

// Exec runs c in namespace ns. Its standard output and error, merged,
// are the lines Wait and Expect read; nothing is lost if the test does
// not read them. The program is stopped when the test ends, and the last
// lines it printed are logged if the test failed.
func (n *Network) Exec(ns string, c Command) *Process {
	n.t.Helper()
	args := []string{"netns", "exec", ns}
	if c.User != "" {
		u, err := user.Lookup(c.User)
		if err != nil {
			n.t.Fatalf("user %s: %v", c.User, err)
		}
		// setpriv execs the program itself: one process, whose signals
		// reach the program.
		args = append(args, "setpriv", "--reuid="+u.Uid, "--regid="+u.Gid, "--init-groups", "--")
	}
	cmd := exec.Command("ip", append(args, c.Args...)...)
	cmd.Dir = c.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		n.t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	p := &Process{cmd: cmd, lines: make(chan string), t: n.t}
	// An unbounded queue between the pipe and Wait, so that a chatty
	// server never blocks on its log.
	in := make(chan string)
	go func() {
		defer close(in)
		s := bufio.NewScanner(out)
		for s.Scan() {
			in <- s.Text()
		}
	}()
	var tail []string
	tailDone := make(chan []string, 1)
	go func() {
		defer close(p.lines)
		var queue []string
		for {
			var send chan string
			var next string
			if len(queue) > 0 {
				send, next = p.lines, queue[0]
			}
			select {
			case line, ok := <-in:
				if !ok {
					// The process's last lines are still queued: hand them
					// out before the end (Cleanup drains what nobody reads).
					tailDone <- tail
					for _, line := range queue {
						p.lines <- line
					}
					return
				}
				queue = append(queue, line)
				tail = append(tail, line)
				if len(tail) > 30 {
					tail = tail[1:]
				}
			case send <- next:
				queue = queue[1:]
			}
		}
	}()
	stop := c.Stop
	if stop == 0 {
		stop = syscall.SIGTERM
	}
	n.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(stop)
			done := make(chan struct{})
			go func() {
				select {
				case <-done:
				case <-time.After(10 * time.Second):
				}
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}()
			cmd.Wait()
			close(done)
		}
		for range p.lines {
		}
		if lines := <-tailDone; n.t.Failed() {
			n.t.Logf("%s printed last:\n%s", c.Args[0], strings.Join(lines, "\n"))
		}
	})
	return p
}
