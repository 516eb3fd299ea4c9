package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/live"
)

func ExampleHandler() {
	s := iox.New(iox.WithName("example"))
	defer s.Close()
	never := make(chan int)
	t := s.Go(func(ctx context.Context) error {
		iox.Recv(never)
		return nil
	}).SetName("waiter")
	for st, _ := s.Snapshot().Task(t.ID()); st.State != iox.Blocked; st, _ = s.Snapshot().Task(t.ID()) {
		runtime.Gosched()
	}

	// On the program's debug server; the page is at /debug/coop/.
	mux := http.NewServeMux()
	mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", live.Handler(s)))

	// What the page and coop top read.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/coop/api/tasks?q=state:blocked", nil))
	var list live.TaskList
	json.Unmarshal(rec.Body.Bytes(), &list)
	fmt.Printf("%s: %d of %d tasks\n", list.Scheduler, list.Matched, list.Total)
	for _, t := range list.Tasks {
		fmt.Println(t.Name, t.State, t.Op)
	}
	// Output:
	// example: 1 of 1 tasks
	// waiter blocked recv
}

func ExampleNewHandler() {
	s := iox.New()
	defer s.Close()

	// Killing from the page is off unless asked for: whoever reaches the
	// handler could end the program's work.
	h := live.NewHandler(s, &live.Options{AllowKill: true, AlwaysRecord: true})

	polled := make(chan struct{})
	t := s.Go(func(ctx context.Context) error {
		for {
			iox.Sleep(time.Millisecond) // a poller, stuck somewhere
			select {
			case polled <- struct{}{}:
			default:
			}
		}
	}).SetName("poller")
	<-polled

	// What the page's kill button sends.
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/tasks/%d/kill", t.ID()), nil)
	req.Header.Set("X-Coop-Kill", fmt.Sprint(t.ID()))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var reply live.KillReply
	json.Unmarshal(rec.Body.Bytes(), &reply)
	fmt.Println(rec.Code, reply.Killed)
	fmt.Println(t.Wait())
	// Output:
	// 200 true
	// iox: task killed: live: killed from the page
}
