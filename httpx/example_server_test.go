package httpx_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// A Server runs each request's handler as a task named "METHOD /path":
// here the handler finds its own task.
func ExampleServer() {
	s := iox.New()
	defer s.Close()
	srv := &httpx.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "served by task %q", iox.Current().Name())
	})}
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	served := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
	resp, err := httpx.Get("http://" + l.Addr().String() + "/hello")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	srv.Shutdown(context.Background())
	fmt.Println(served.Wait())
	// Output:
	// served by task "GET /hello"
	// http: Server closed
}

// PatchServer gives an http.Server of code that keeps its net/http
// import a task per request, with one call before it serves.
func ExamplePatchServer() {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "served by task %q", iox.Current().Name())
	})}
	defer httpx.PatchServer(srv)()
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	resp, err := httpx.Get("http://" + l.Addr().String() + "/legacy")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output:
	// served by task "GET /legacy"
}
