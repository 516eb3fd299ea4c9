package goredis

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSwapImports(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{
			"package p\n\nimport \"time\"\n\nvar d = time.Second\n",
			"package p\n\nimport time \"github.com/coop-go/coop/iox/timex\"\n\nvar d = time.Second\n",
		},
		{
			"package p\n\nimport (\n\t\"context\"\n\t\"crypto/tls\" // TLS\n\t\"net\"\n\n\tstdtime \"time\"\n)\n",
			"package p\n\nimport (\n\t\"context\"\n\ttls \"github.com/coop-go/coop/tlsx\" // TLS\n\tnet \"github.com/coop-go/coop/netx\"\n\n\tstdtime \"github.com/coop-go/coop/iox/timex\"\n)\n",
		},
		{
			"package p\n\nimport (\n\t\"net/http\"\n\t\"nettime\"\n)\n",
			"package p\n\nimport (\n\t\"net/http\"\n\t\"nettime\"\n)\n",
		},
	} {
		got, _, err := swapImports([]byte(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("swapImports(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, _, err := swapImports([]byte("package p\nimport (")); err == nil {
		t.Error("swapImports of a broken file: no error")
	}
}

// swapTree rewrites the module's files, but not those of a nested module
// nor testdata.
func TestSwapTree(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nimport \"net\"\n\nvar _ net.Conn\n"
	for _, p := range []string{"a.go", "sub/b_test.go", "testdata/c.go", "nested/go.mod", "nested/d.go", "e.txt"} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := swapTree(dir)
	if err != nil || n != 2 {
		t.Fatalf("swapTree = %d, %v; want 2 files", n, err)
	}
	for p, swapped := range map[string]bool{"a.go": true, "sub/b_test.go": true, "testdata/c.go": false, "nested/d.go": false, "e.txt": false} {
		b, _ := os.ReadFile(filepath.Join(dir, p))
		if got := string(b) != src; got != swapped {
			t.Errorf("%s swapped: %v, want %v", p, got, swapped)
		}
	}
}
