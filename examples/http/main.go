// Command http serves and fetches a page over loopback with keep-alive
// configured on both ends: the server on keepalive.WrapListener (or
// keepalive.Listen), the client through an http.Transport whose
// DialContext comes from keepalive.NewDialer. The handler answers with
// what the kernel holds for the server's socket.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

var cfg = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

type connKey struct{}

// newServer returns a server whose handler reports its own socket.
func newServer() *http.Server {
	return &http.Server{
		// ConnContext hands each request its connection, for Get.
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, err := keepalive.Get(r.Context().Value(connKey{}).(net.Conn))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, st)
		}),
	}
}

// newClient returns a client whose connections carry cfg.
func newClient() *http.Client {
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	d.Timeout = 5 * time.Second
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// listenWrapped is a listener built elsewhere, wrapped.
func listenWrapped() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return keepalive.WrapListener(ln, cfg), nil
}

// listenConfigured is a listener built with the library, at no cost per
// accepted connection.
func listenConfigured() (net.Listener, error) {
	return keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", cfg)
}

func fetch(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func main() {
	for _, listen := range []func() (net.Listener, error){listenWrapped, listenConfigured} {
		ln, err := listen()
		if err != nil {
			log.Fatal(err)
		}
		srv := newServer()
		go srv.Serve(ln)
		body, err := fetch(newClient(), "http://"+ln.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("server socket:", body)
		srv.Close()
	}
}
