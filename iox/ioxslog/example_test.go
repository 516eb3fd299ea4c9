package ioxslog_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxslog"
)

func ExampleNew() {
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case "time", "duration", "id": // they change from run to run
				return slog.Attr{}
			}
			return a
		},
	})
	s := iox.New(iox.WithObserver(ioxslog.New(slog.New(h))))
	defer s.Close()
	s.Go(func(ctx context.Context) error {
		iox.Current().SetName("query") // named before its first call, whoever runs first
		iox.Sleep(time.Microsecond)
		iox.Block("db.Query", func() error { return errors.New("db: connection lost") })
		return iox.Timeout(time.Millisecond, func() error {
			iox.Sleep(time.Hour)
			return nil
		})
	}).Wait()
	// Output:
	// level=DEBUG msg="coop: call" op=sleep task.name=query
	// level=WARN msg="coop: call failed" op=block target=db.Query task.name=query err="db: connection lost"
	// level=WARN msg="coop: call timed out" op=sleep task.name=query err="iox: timeout"
}
