package httpx_test

import (
	"fmt"
	"io"
	"net/http/httptest"

	http "github.com/coop-go/coop/httpx"
)

// Code written for net/http needs only its import changed: the types,
// constants and helpers are net/http's, the requests the scheduler's.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.Path)
	}))
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 10}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/swapped", nil)
	if err != nil {
		panic(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, http.StatusText(resp.StatusCode), string(b))

	resp, err = http.Get(srv.URL + "/default")
	if err != nil {
		panic(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	fmt.Println(string(b))
	// Output:
	// 200 OK GET /swapped
	// GET /default
}
