package gostmt

import (
	"github.com/coop-go/coop/iox"
	time "github.com/coop-go/coop/iox/timex"
)

func Bounded() error {
	return iox.Timeout(time.Second, func() error {
		go func() { // want `a go statement in a timeout scope starts a goroutine outside the scope`
			work()
		}()
		return nil
	})
}
