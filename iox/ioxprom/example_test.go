package ioxprom_test

import (
	"context"
	"fmt"
	"runtime"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxprom"
)

func ExampleNewCollector() {
	s := iox.New(iox.WithName("crawl"), iox.WithStats())
	defer s.Close()
	never := make(chan int)
	t := s.Go(func(ctx context.Context) error {
		iox.Recv(never)
		return nil
	})
	for st, _ := s.Snapshot().Task(t.ID()); st.State != iox.Blocked; st, _ = s.Snapshot().Task(t.ID()) {
		runtime.Gosched()
	}

	// In a program: prometheus.MustRegister(ioxprom.NewCollector(s, nil)).
	text, _ := testutil.CollectAndFormat(ioxprom.NewCollector(s, nil), expfmt.TypeTextPlain, "coop_tasks")
	fmt.Print(string(text))
	// Output:
	// # HELP coop_tasks Live tasks of the scheduler, by state.
	// # TYPE coop_tasks gauge
	// coop_tasks{scheduler="crawl",state="blocked"} 1
	// coop_tasks{scheduler="crawl",state="holding"} 0
	// coop_tasks{scheduler="crawl",state="runnable"} 0
	// coop_tasks{scheduler="crawl",state="running"} 0
}
