package vet

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"
)

// TestAnalyzer runs the analyzer on the packages of testdata/src, each
// of which has a case of every check and its "// want" comments, applies
// the suggested fixes and compares the result with the .golden files.
//
// The packages import the real coop: they are copied into a module of
// their own that requires this checkout (a replace directive), with the
// requirements and sums of coop's go.mod and go.sum, so that nothing but
// the module cache is needed.
func TestAnalyzer(t *testing.T) {
	dir := testModule(t)
	if err := Analyzer.Flags.Set("swapped", "example.com/vettest/forced"); err != nil {
		t.Fatal(err)
	}
	defer Analyzer.Flags.Set("swapped", "")
	analysistest.RunWithSuggestedFixes(t, dir, Analyzer,
		"./imports", "./plain", "./forced", "./client", "./cooperative", "./timer", "./gostmt")
}

// testModule copies testdata/src into a module that requires this coop
// checkout, and returns its directory.
func testModule(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	err = filepath.WalkDir("testdata/src", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("testdata/src", path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "mod", "edit", "-json", filepath.Join(root, "go.mod")).Output()
	if err != nil {
		t.Fatal(err)
	}
	var mod struct {
		Go      string
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "module example.com/vettest\n\ngo %s\n\nrequire github.com/coop-go/coop v0.0.0-00010101000000-000000000000\n\n", mod.Go)
	for _, r := range mod.Require {
		fmt.Fprintf(&gomod, "require %s %s\n", r.Path, r.Version)
	}
	fmt.Fprintf(&gomod, "\nreplace github.com/coop-go/coop => %s\n", root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
