package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A reported error was printed already, by the flag package or as an
// "error" event of -json: main only sets the exit code.
type reported struct{ err error }

func (e reported) Error() string { return e.err.Error() }
func (e reported) Unwrap() error { return e.err }

// isReported says whether err, or one it wraps, was printed already.
func isReported(err error) bool {
	_, ok := errors.AsType[reported](err)
	return ok
}

// failed turns *err, an error that ends the command, into an "error"
// event on stdout with -json; in text, main prints it on stderr. A held
// connection's death (errDied) was reported already.
func (r *reporter) failed(err *error) {
	if *err == nil || !r.json || errors.Is(*err, errDied) {
		return
	}
	f := fields{"error": (*err).Error()}
	if oe, ok := errors.AsType[*net.OpError](*err); ok {
		f["op"] = oe.Op
		if oe.Addr != nil {
			f["addr"] = oe.Addr.String()
		}
	}
	r.event("error", f, (*err).Error())
	*err = reported{*err}
}

// lastPacket says, where the system tells, how long ago conn last
// received a packet, the time the keep-alive bound counts from: as a
// JSON field (since_packet) and as words for the text line. A probe that
// was answered moves it, though no data came.
func lastPacket(conn net.Conn) (fields, string) {
	d, ok := sinceLastPacket(conn)
	if !ok {
		return fields{}, ""
	}
	return fields{"since_packet": d.String()}, fmt.Sprintf("; last packet received %v ago", d.Round(time.Millisecond))
}

// A reporter prints events, as text or JSON lines.
type reporter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

// fields are an event's JSON fields, beside "time" and "event".
type fields map[string]any

// event prints one event of kind: f as a JSON line with -json, else
// text on a line with the time and kind. Safe from any goroutine.
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

// config reports cfg and the bound it gives, with a warning where cfg
// is not coherent or its bound takes defaults it could not read.
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
