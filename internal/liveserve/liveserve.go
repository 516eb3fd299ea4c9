// Package liveserve serves package live's page of a scheduler for the
// examples' -live flag.
package liveserve

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/live"
)

// Path is where the page is served.
const Path = "/debug/coop/"

// Usage is the -live flag's usage line.
const Usage = "serve the live page of the tasks at this address (host:port, :0 for any port) and print its URL"

// Serve serves the page of s under Path at addr (host:port; port 0 picks
// one), prints "live: URL" to w, and returns the URL and a function that
// stops the server and waits for it.
func Serve(w io.Writer, addr string, s *iox.Scheduler) (url string, stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("-live: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, http.StripPrefix(strings.TrimSuffix(Path, "/"), live.Handler(s)))
	srv := &http.Server{Handler: mux}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(w, "live:", err)
		}
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	url = "http://" + net.JoinHostPort(host, port) + Path
	fmt.Fprintln(w, "live:", url)
	return url, func() {
		srv.Close()
		<-done
	}, nil
}
