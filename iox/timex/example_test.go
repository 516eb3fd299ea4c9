package timex_test

import (
	"fmt"

	time "github.com/coop-go/coop/iox/timex"
)

// A program written for package time needs only its import changed: the
// values are time's, the waits the scheduler's.
func Example() {
	d, err := time.ParseDuration("1h30m")
	if err != nil {
		panic(err)
	}
	t := time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
	fmt.Println(t.Add(d).Format(time.Kitchen))

	timer := time.NewTimer(time.Millisecond)
	<-timer.C
	fmt.Println("timer fired")
	// Output:
	// 4:34PM
	// timer fired
}
