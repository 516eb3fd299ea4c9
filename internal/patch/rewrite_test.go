package patch

import (
	"slices"
	"strings"
	"testing"
)

func TestRewriteImports(t *testing.T) {
	tests := []struct {
		name, src, want string
		swapped         []string
	}{{
		name: "grouped",
		src: `package p

import (
	"fmt"
	"net"
	"net/http"
	"time"
)
`,
		want: `package p

import (
	"fmt"
	net "github.com/coop-go/coop/netx"
	http "github.com/coop-go/coop/httpx"
	time "github.com/coop-go/coop/iox/timex"
)
`,
		swapped: []string{"net", "net/http", "time"},
	}, {
		name:    "single",
		src:     "package p\n\nimport \"time\"\n\nvar _ = time.Now\n",
		want:    "package p\n\nimport time \"github.com/coop-go/coop/iox/timex\"\n\nvar _ = time.Now\n",
		swapped: []string{"time"},
	}, {
		name:    "named, dot and blank",
		src:     "package p\n\nimport (\n\tstdnet \"net\"\n\t. \"time\"\n\t_ \"net/http\"\n)\n",
		want:    "package p\n\nimport (\n\tstdnet \"github.com/coop-go/coop/netx\"\n\t. \"github.com/coop-go/coop/iox/timex\"\n\t_ \"net/http\"\n)\n",
		swapped: []string{"net", "time"},
	}, {
		name:    "raw string and comments kept",
		src:     "package p\n\nimport (\n\t// the network\n\t`net` // dial\n)\n",
		want:    "package p\n\nimport (\n\t// the network\n\tnet \"github.com/coop-go/coop/netx\" // dial\n)\n",
		swapped: []string{"net"},
	}, {
		name: "nothing to swap",
		src:  "package p\n\nimport (\n\t\"net/http/httptest\"\n\t\"nettle\"\n)\n",
		want: "package p\n\nimport (\n\t\"net/http/httptest\"\n\t\"nettle\"\n)\n",
	}, {
		name:    "twice",
		src:     "package p\n\nimport (\n\ta \"net\"\n\tb \"net\"\n)\n",
		want:    "package p\n\nimport (\n\ta \"github.com/coop-go/coop/netx\"\n\tb \"github.com/coop-go/coop/netx\"\n)\n",
		swapped: []string{"net"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, swapped, err := RewriteImports("x.go", []byte(tt.src), DefaultSwaps())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("RewriteImports =\n%s\nwant\n%s", got, tt.want)
			}
			if !slices.Equal(swapped, tt.swapped) {
				t.Errorf("swapped = %v, want %v", swapped, tt.swapped)
			}
			if strings.Count(string(got), "\n") != strings.Count(tt.src, "\n") {
				t.Errorf("the rewrite moved lines")
			}
		})
	}
}

func TestRewriteImportsKeepsTheRestOfTheFile(t *testing.T) {
	src := "package p\n\nimport \"net\" /* x */; import \"os\"\n\nfunc f() { _, _ = net.Dial(\"tcp\", os.Args[1]) }\n"
	got, _, err := RewriteImports("x.go", []byte(src), DefaultSwaps())
	if err != nil {
		t.Fatal(err)
	}
	want := "package p\n\nimport net \"github.com/coop-go/coop/netx\" /* x */; import \"os\"\n\nfunc f() { _, _ = net.Dial(\"tcp\", os.Args[1]) }\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRewriteImportsOnlyTheSwapsGiven(t *testing.T) {
	only := Swaps{"net/http": DefaultSwaps()["net/http"]}
	got, swapped, err := RewriteImports("x.go", []byte("package p\n\nimport (\n\t\"net\"\n\t\"net/http\"\n)\n"), only)
	if err != nil {
		t.Fatal(err)
	}
	if want := "package p\n\nimport (\n\t\"net\"\n\thttp \"github.com/coop-go/coop/httpx\"\n)\n"; string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !slices.Equal(swapped, []string{"net/http"}) {
		t.Errorf("swapped = %v", swapped)
	}
}

func TestRewriteImportsBadSource(t *testing.T) {
	if _, _, err := RewriteImports("x.go", []byte("package p\nimport (\n"), DefaultSwaps()); err == nil {
		t.Error("RewriteImports of a file that does not parse: no error")
	}
}

func TestRenameMain(t *testing.T) {
	src := "package main\n\nfunc helper() {}\n\nfunc (T) main() {}\n\nfunc main() {\n\thelper()\n}\n"
	got, ok, err := renameMain("main.go", []byte(src), userMainName)
	if err != nil || !ok {
		t.Fatalf("renameMain = %v, %v", ok, err)
	}
	want := "package main\n\nfunc helper() {}\n\nfunc (T) main() {}\n\nfunc coop_main() {\n\thelper()\n}\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, ok, _ := renameMain("lib.go", []byte("package lib\n\nfunc main() {}\n"), userMainName); ok {
		t.Error("renameMain renamed a func main outside package main")
	}
	if _, ok, _ := renameMain("other.go", []byte("package main\n\nfunc other() {}\n"), userMainName); ok {
		t.Error("renameMain found a main in a file without one")
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, sw := range Table {
		if seen[sw.Std] {
			t.Errorf("%s is in Table twice", sw.Std)
		}
		seen[sw.Std] = true
		if !strings.HasPrefix(sw.Coop, CoopModule+"/") {
			t.Errorf("%s's drop-in %s is not in coop", sw.Std, sw.Coop)
		}
		if sw.Name != sw.Std[strings.LastIndex(sw.Std, "/")+1:] {
			t.Errorf("%s: Name %q is not the package's own name", sw.Std, sw.Name)
		}
	}
}
