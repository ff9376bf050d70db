package netns

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// A Process is a program run inside one of a Network's namespaces: the
// test binary playing a Role (Start), or a real server (Exec). Its lines
// of output are what Wait and Expect read.
type Process struct {
	cmd   *exec.Cmd
	lines chan string
	t     testing.TB

	mu      sync.Mutex
	skipped []string // the last lines Wait passed over, for its errors
}

// reexec runs the test binary again in namespace ns, with env added to
// its environment and no test selected: Play, first in its TestMain,
// acts on env. The process is killed when the test ends.
func (n *Network) reexec(ns string, env ...string) *Process {
	n.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		n.t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		n.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	p := &Process{cmd: cmd, lines: make(chan string, 16), t: n.t}
	go func() {
		defer close(p.lines)
		s := bufio.NewScanner(out)
		for s.Scan() {
			p.lines <- s.Text()
		}
	}()
	n.t.Cleanup(p.Kill)
	return p
}

// ErrNoLine is returned by Wait when no matching line came in time.
var ErrNoLine = errors.New("no such line in time")

// Wait waits up to timeout for a line starting with prefix and returns
// the rest of it; ErrNoLine if none came, another error if the process
// ended first. Its errors quote the last lines the process printed
// before, such as a Call's result when the Call failed before it
// printed "inflight".
func (p *Process) Wait(prefix string, timeout time.Duration) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("the process exited before printing %q%s", prefix, p.printed())
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return strings.TrimSpace(rest), nil
			}
			p.skipped = append(p.skipped, line)
			if len(p.skipped) > 10 {
				p.skipped = p.skipped[1:]
			}
		case <-deadline:
			return "", fmt.Errorf("%w: %q within %v%s", ErrNoLine, prefix, timeout, p.printed())
		}
	}
}

// printed is the lines Wait passed over, for an error.
func (p *Process) printed() string {
	if len(p.skipped) == 0 {
		return " (it printed nothing else)"
	}
	return "; it printed before:\n\t" + strings.Join(p.skipped, "\n\t")
}

// Expect is Wait that fails the test without the line.
func (p *Process) Expect(prefix string, timeout time.Duration) string {
	p.t.Helper()
	rest, err := p.Wait(prefix, timeout)
	if err != nil {
		p.t.Fatal(err)
	}
	return rest
}

// ExpectContaining waits up to timeout for a line containing s, as a
// server's log line has it after a time stamp, and fails the test
// without one.
func (p *Process) ExpectContaining(s string, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s exited before printing %q", p.cmd.Args[0], s)
			}
			if strings.Contains(line, s) {
				return line
			}
		case <-deadline:
			p.t.Fatalf("%v: a line containing %q within %v", ErrNoLine, s, timeout)
		}
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill ends the process at once, as a crash would, and waits for it.
func (p *Process) Kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	for range p.lines {
	}
}
