package live

import (
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	rows := map[string]row{
		"fetch":  {id: 7, parent: 3, name: "main.fetch", state: "blocked", op: "read", target: "10.0.0.3:443", blocked: 2 * time.Second, age: time.Minute, calls: 12, bytes: 4096, spawned: "crawl/main.go:42"},
		"idle":   {id: 42, name: "idle worker", state: "blocked", op: "recv", blocked: 10 * time.Millisecond, age: time.Second, calls: 1},
		"runner": {id: 9, name: "Runner", state: "running", age: 3 * time.Second, calls: 300, errors: 2},
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{"fetch", "idle", "runner"}},
		{"blocked", []string{"fetch", "idle"}},
		{"RUNNER", []string{"runner"}},
		{"42", []string{"fetch", "idle"}}, // id 42, and 42 in spawned
		{"id:42", []string{"idle"}},
		{"parent:3", []string{"fetch"}},
		{"10.0.0.3:443", []string{"fetch"}}, // not a field: a plain word
		{"target:10.0.0.3", []string{"fetch"}},
		{"op:re", []string{"fetch", "idle"}},
		{"state:blocked op:read", []string{"fetch"}},
		{"-state:blocked", []string{"runner"}},
		{"-worker", []string{"fetch", "runner"}},
		{"blocked>1s", []string{"fetch"}},
		{"blocked<1s", []string{"idle", "runner"}},
		{"age>2s", []string{"fetch", "runner"}},
		{"calls>12", []string{"runner"}},
		{"errors>0", []string{"runner"}},
		{"bytes<1", []string{"idle", "runner"}},
		{"spawned:main.go", []string{"fetch"}},
		{"Name:idle", []string{"idle"}},
		{"-", []string{}}, // a lone dash is a word no row has
	} {
		f, err := parseFilter(tc.q)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", tc.q, err)
			continue
		}
		got := map[string]bool{}
		for name, r := range rows {
			if f.match(&r) {
				got[name] = true
			}
		}
		ok := len(got) == len(tc.want)
		for _, w := range tc.want {
			ok = ok && got[w]
		}
		if !ok {
			t.Errorf("filter %q matched %v, want %v", tc.q, got, tc.want)
		}
	}
}
