package keepalivehttp_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivehttp"
)

// A client whose requests fail within 10s of the server's host
// vanishing, whether they wait for headers or upload; HTTP/2, the proxy
// from the environment and the idle timeout stay as Go has them.
func ExampleClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))
	defer srv.Close()

	c := keepalivehttp.Client(keepalive.Within(10 * time.Second))
	resp, err := c.Get(srv.URL)
	if keepalive.IsPeerGone(err) {
		log.Print("the server is gone: retry elsewhere")
	}
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}

// A server whose handlers' contexts are canceled within 10s of their
// client's host vanishing.
func ExampleListenAndServe() {
	srv := &http.Server{Addr: ":8080", Handler: http.DefaultServeMux}
	log.Fatal(keepalivehttp.ListenAndServe(srv, keepalive.Within(10*time.Second)))
}
