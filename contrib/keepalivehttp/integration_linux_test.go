package keepalivehttp_test

// A net/http server in the server's namespace, net/http clients in the
// client's, one host vanishing (the router drops everything). Needs
// root; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivehttp"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const within = 5 * time.Second

var within5s = keepalive.Within(within)

func client(with bool) *http.Client {
	if with {
		return keepalivehttp.Client(within5s)
	}
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// handler: /poll answers never (a long poll), /upload reads the body to
// its end; with measured not nil, /poll reports its request's context
// ending.
func handler(inflight func(), ended chan<- error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/poll":
			if inflight != nil {
				inflight()
			}
			<-r.Context().Done()
			if ended != nil {
				ended <- context.Cause(r.Context())
			}
		case "/upload":
			io.Copy(io.Discard, r.Body)
		}
	})
}

// serveNoticing serves until a long poll's handler sees its context end,
// and returns the cause.
func serveNoticing(addr string, with bool, inflight func()) error {
	var ln net.Listener
	var err error
	if with {
		ln, err = keepalive.Listen(context.Background(), "tcp", addr, within5s)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return err
	}
	fmt.Println("listening")
	ended := make(chan error, 1)
	go (&http.Server{Handler: handler(inflight, ended)}).Serve(ln)
	return <-ended
}

// poll waits for the headers of a response that never comes.
func poll(url string, with bool, inflight func()) error {
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { inflight() },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/poll", nil)
	if err != nil {
		return err
	}
	resp, err := client(with).Do(req)
	if err == nil {
		resp.Body.Close()
		return fmt.Errorf("got a response: %s", resp.Status)
	}
	return err
}

// endless is an upload body that never ends: 1 KiB every 20ms.
type endless struct{ inflight func() }

func (e *endless) Read(b []byte) (int, error) {
	if e.inflight != nil {
		e.inflight()
		e.inflight = nil
	} else {
		time.Sleep(20 * time.Millisecond)
	}
	return copy(b, strings.Repeat("x", min(len(b), 1024))), nil
}

// upload sends a body without end, busy.
func upload(url string, with bool, inflight func()) error {
	req, err := http.NewRequest(http.MethodPost, url+"/upload", io.NopCloser(&endless{inflight: inflight}))
	if err != nil {
		return err
	}
	resp, err := client(with).Do(req)
	if err == nil {
		resp.Body.Close()
		return fmt.Errorf("got a response: %s", resp.Status)
	}
	return err
}

var calls = map[string]netns.CallFunc{
	"server": func(addr string, inflight func()) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		inflight()
		return (&http.Server{Handler: handler(nil, nil)}).Serve(ln)
	},
	"server-notices":         func(addr string, inflight func()) error { return serveNoticing(addr, true, inflight) },
	"server-notices-without": func(addr string, inflight func()) error { return serveNoticing(addr, false, inflight) },
	"poller":                 func(url string, inflight func()) error { return poll(url, false, func() {}) },
	"poll":                   func(url string, inflight func()) error { return poll(url, true, inflight) },
	"poll-without":           func(url string, inflight func()) error { return poll(url, false, inflight) },
	"upload":                 func(url string, inflight func()) error { return upload(url, true, inflight) },
	"upload-without":         func(url string, inflight func()) error { return upload(url, false, inflight) },
}

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := func(port string) string { return net.JoinHostPort(netns.PeerAddr, port) }
	n.StartCall(n.Peer, "server", addr("8080")).Expect("inflight", 30*time.Second)
	notices := n.StartCall(n.Peer, "server-notices", addr("8081"))
	noticesWithout := n.StartCall(n.Peer, "server-notices-without", addr("8082"))
	notices.Expect("listening", 30*time.Second)
	noticesWithout.Expect("listening", 30*time.Second)
	n.StartCall(n.Client, "poller", "http://"+addr("8081"))
	n.StartCall(n.Client, "poller", "http://"+addr("8082"))
	call := func(name string) *netns.Process { return n.StartCall(n.Client, name, "http://"+addr("8080")) }
	n.CutAndCheck(t, within5s, within, []netns.Case{
		{Name: "long poll waiting for headers", With: call("poll"), Without: call("poll-without"), Gone: netns.ByKeepalive},
		{Name: "upload in progress", With: call("upload"), Without: call("upload-without"), Gone: netns.ByKeepalive},
		{Name: "handler noticing a vanished client", With: notices, Without: noticesWithout,
			Note: "the handler sees its request's context canceled; net/http does not hand it the connection's error"},
	})
}
