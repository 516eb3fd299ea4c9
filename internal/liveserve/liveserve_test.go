package liveserve

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/live"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The printed URL serves the page and its JSON; a bad address is an
// error naming the flag.
func TestServe(t *testing.T) {
	s := iox.New(iox.WithName("served"))
	defer s.Close()
	var out strings.Builder
	url, stop, err := Serve(&out, "127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if got := out.String(); got != "live: "+url+"\n" || !strings.HasSuffix(url, Path) {
		t.Errorf("printed %q, URL %q", got, url)
	}
	resp, err := http.Get(url + "api/tasks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list live.TaskList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || list.Scheduler != "served" {
		t.Errorf("api/tasks: %+v, %v; want the scheduler's list", list, err)
	}
	if _, _, err := Serve(&out, "127.0.0.1:-1", s); err == nil || !strings.HasPrefix(err.Error(), "-live: ") {
		t.Errorf("Serve on a bad address: %v, want an error naming -live", err)
	}
}
