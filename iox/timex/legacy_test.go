package timex_test

// This file is written against package time's API; only its import of
// time says timex.

import (
	"errors"
	"fmt"
	"testing"

	time "github.com/coop-go/coop/iox/timex"
)

// legacy is a program written for package time: it parses and formats
// times, does Duration arithmetic, and waits on a timer, a ticker, After,
// AfterFunc and Sleep. It returns what it printed.
func legacy() ([]string, error) {
	var out []string
	start := time.Now()

	t, err := time.Parse(time.RFC3339, "2006-01-02T15:04:05Z")
	if err != nil {
		return nil, err
	}
	out = append(out, t.Add(90*time.Minute).Format(time.Kitchen), t.Weekday().String(), t.Month().String())
	if _, err := time.Parse(time.DateOnly, "2006-13-02"); !errors.As(err, new(*time.ParseError)) {
		return nil, fmt.Errorf("Parse of a bad month: err = %v, want a *ParseError", err)
	}
	loc := time.FixedZone("UTC+1", 60*60)
	out = append(out, t.In(loc).Format(time.DateTime), time.Date(2006, time.January, 2, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))

	d, err := time.ParseDuration("1h15m30.5s")
	if err != nil {
		return nil, err
	}
	var total time.Duration = d + 2*time.Second - 500*time.Millisecond
	out = append(out, total.String(), total.Truncate(time.Hour).String(), fmt.Sprint(total.Minutes()))

	timer := time.NewTimer(time.Millisecond)
	<-timer.C
	if timer.Stop() {
		return nil, errors.New("Stop of a fired timer = true, want false")
	}
	timer.Reset(time.Hour)
	if !timer.Stop() {
		return nil, errors.New("Stop of a reset timer = false, want true")
	}

	ticker := time.NewTicker(time.Millisecond)
	for range 3 {
		<-ticker.C
	}
	ticker.Reset(2 * time.Millisecond)
	<-ticker.C
	ticker.Stop()

	<-time.After(time.Millisecond)
	time.Sleep(time.Millisecond)
	done := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() { close(done) })
	<-done

	// The waits above took at least 8ms.
	if elapsed := time.Since(start); elapsed < 8*time.Millisecond {
		return nil, fmt.Errorf("Since(start) = %v, want at least 8ms", elapsed)
	}
	if until := time.Until(start); until > -8*time.Millisecond {
		return nil, fmt.Errorf("Until(start) = %v, want at most -8ms", until)
	}
	return out, nil
}

func TestLegacyProgram(t *testing.T) {
	got, err := legacy()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"4:34PM", "Monday", "January", "2006-01-02 16:04:05", "2006-01-02", "1h15m32s", "1h0m0s", "75.53333333333333"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("legacy() = %q, want %q", got, want)
	}
}
