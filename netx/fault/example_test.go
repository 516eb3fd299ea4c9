package fault_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"time"

	"github.com/coop-go/coop/netx"
	"github.com/coop-go/coop/netx/fault"
)

// Refuse makes dials of a target fail as if nothing listened there, until
// the toxic is removed.
func ExampleInject() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	remove := fault.Inject(l.Addr().String(), fault.Refuse())
	_, err = netx.Dial("tcp", l.Addr().String())
	fmt.Println("refused:", errors.Is(err, syscall.ECONNREFUSED))
	remove()
	c, err := netx.Dial("tcp", l.Addr().String())
	fmt.Println("after remove:", err)
	c.Close()
	// Output:
	// refused: true
	// after remove: <nil>
}

// A Link driven by hand, as a driver does: chunks with their send times
// in, pieces with their delivery times out, on the driver's clock.
func ExampleLink() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	latency := fault.Latency(50*time.Millisecond, 0)
	bandwidth := fault.Bandwidth(1000) // bytes per second: 10 bytes a piece, each 10ms
	l := fault.NewLink(fault.Upstream, false, rand.NewPCG(1, 2))
	l.Set(t0, []*fault.Toxic{&latency, &bandwidth})
	for _, p := range l.Send(t0, []byte("hello, world"), nil) {
		fmt.Printf("%q at +%v\n", p.Data, p.At.Sub(t0))
	}
	fmt.Println("close seen at +" + l.Close(t0.Add(time.Second)).Sub(t0).String())
	limit := fault.LimitData(5)
	l.Set(t0, []*fault.Toxic{&limit}) // latency and bandwidth removed: what they held is due now
	fmt.Printf("%q\n", l.Send(t0, []byte("0123456789"), nil)[0].Data)
	v, at := l.End()
	fmt.Println(v, "at +"+at.Sub(t0).String())
	// Output:
	// "hello, wor" at +60ms
	// "ld" at +62ms
	// close seen at +1.05s
	// "01234"
	// closed at +0s
}

// The control handler, as toxiproxy's API: inject a toxic with a POST,
// list the toxics, remove them all.
func ExampleHandler() {
	h := fault.Handler()
	do := func(method, path, body string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Body.String())))
	}
	do(http.MethodPost, "/toxics", `{"target": "127.0.0.1:6379", "type": "latency", "attributes": {"latency": 100}}`)
	do(http.MethodGet, "/targets/127.0.0.1:6379/toxics/latency_downstream", "")
	do(http.MethodPost, "/reset", "")
	do(http.MethodGet, "/toxics", "")
	// Output:
	// 201 {"attributes":{"latency":100,"jitter":0},"name":"latency_downstream","stream":"downstream","target":"127.0.0.1:6379","toxicity":1,"type":"latency"}
	// 200 {"attributes":{"latency":100,"jitter":0},"name":"latency_downstream","stream":"downstream","target":"127.0.0.1:6379","toxicity":1,"type":"latency"}
	// 204
	// 200 []
}
