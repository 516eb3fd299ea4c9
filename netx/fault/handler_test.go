package fault_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coop-go/coop/netx/fault"
)

// The handler's answers, as toxiproxy's API gives them: created, listed,
// changed, removed, and errors as {"error", "status"}.
func TestHandler(t *testing.T) {
	h := fault.Handler()
	do := func(method, path, body string, want int) map[string]any {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		if rec.Code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, want)
		}
		var m map[string]any
		if rec.Code != http.StatusNoContent && !strings.HasPrefix(rec.Body.String(), "[") {
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("%s %s: %v in %q", method, path, err, rec.Body)
			}
		}
		return m
	}
	defer do("POST", "/reset", "", http.StatusNoContent)
	const tgt = "/targets/127.0.0.1:1/toxics"
	do("POST", tgt, `{"type": "bandwidth", "stream": "upstream", "toxicity": 0.5, "attributes": {"rate": 100}}`, http.StatusCreated)
	m := do("GET", tgt+"/bandwidth_upstream", "", http.StatusOK)
	if m["toxicity"] != 0.5 || m["attributes"].(map[string]any)["rate"] != 100.0 {
		t.Fatalf("shown as %v", m)
	}
	m = do("PATCH", tgt+"/bandwidth_upstream", `{"attributes": {"rate": 50}}`, http.StatusOK)
	if m["toxicity"] != 0.5 || m["attributes"].(map[string]any)["rate"] != 50.0 {
		t.Fatalf("changed to %v, want rate 50 and the toxicity kept", m)
	}
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", tgt, `{"type": "bandwidth", "stream": "upstream", "attributes": {"rate": 1}}`, http.StatusConflict}, // the name is taken
		{"POST", tgt, `{"type": "lag"}`, http.StatusBadRequest},
		{"POST", tgt, `not json`, http.StatusBadRequest},
		{"POST", "/toxics", `{"type": "latency"}`, http.StatusBadRequest}, // no target
		{"GET", tgt + "/nothing", "", http.StatusNotFound},
	} {
		m := do(tc.method, tc.path, tc.body, tc.want)
		if m["status"] != float64(tc.want) || m["error"] == "" {
			t.Fatalf("%s %s %s: %v, want toxiproxy's error form", tc.method, tc.path, tc.body, m)
		}
	}
	do("DELETE", tgt+"/bandwidth_upstream", "", http.StatusNoContent)
	do("DELETE", tgt+"/bandwidth_upstream", "", http.StatusNotFound)
}
