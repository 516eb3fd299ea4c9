package coop

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The package doc and the README name every example there is, and no
// example that is not.
func TestDocsNameEveryExample(t *testing.T) {
	ents, err := os.ReadDir("examples")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, list, ok := strings.Cut(string(doc), "in a program: ")
	if !ok {
		t.Fatal(`doc.go has no list of examples ("in a program: ...")`)
	}
	list, _, _ = strings.Cut(list, ".\n")
	named := map[string]bool{}
	for _, n := range strings.Split(strings.ReplaceAll(list, "//", ""), ",") {
		named[strings.TrimSpace(n)] = true
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if !named[e.Name()] {
			t.Errorf("doc.go's list of examples lacks %s", e.Name())
		}
		delete(named, e.Name())
		if !strings.Contains(string(readme), "[`examples/"+e.Name()+"`](examples/"+e.Name()+")") {
			t.Errorf("README.md's examples lack examples/%s", e.Name())
		}
	}
	for n := range named {
		t.Errorf("doc.go names an example that does not exist: %q", n)
	}
}
