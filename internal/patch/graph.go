package patch

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
)

// listPackage is what coop reads of one package of go list -json.
type listPackage struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	DepOnly    bool
	GoFiles    []string
	CgoFiles   []string
	Imports    []string
	Deps       []string
	Module     *listModule
	Error      *listError
	DepsErrors []*listError
}

// listFields are the fields of listPackage, for go list -json=.
const listFields = "ImportPath,Name,Dir,Standard,DepOnly,GoFiles,CgoFiles,Imports,Deps,Module,Error,DepsErrors"

// listModule is a module as go list -json reports it.
type listModule struct {
	Path      string
	Version   string
	Main      bool
	Dir       string
	GoMod     string
	GoVersion string
	Replace   *listModule
	Error     *struct{ Err string }
}

// listError is a package's error as go list -e -json reports it.
type listError struct {
	ImportStack []string
	Pos         string
	Err         string
}

// A unit is one package of the build with every file of it that the
// build compiles (in a test build, its test files too). The test
// variants go list reports ("p [p.test]") are one unit with the package;
// an external test package ("p_test") is a unit of its own.
type unit struct {
	path    string
	name    string
	dir     string
	module  *listModule // nil for the standard library
	std     bool
	root    bool     // named on the command line, or its test
	files   []string // absolute, sorted
	imports []string // what its files import, base paths, sorted

	swapped []string // the standard paths its files import that the table swaps
	verdict verdict
	reason  string
}

// basePath returns an import path without the test variant's suffix:
// "p [p.test]" is "p".
func basePath(importPath string) string {
	p, _, _ := strings.Cut(importPath, " ")
	return p
}

// graph is the build graph of a patched build: its units by import path,
// and the import paths in the order go list printed them (dependencies
// first).
type graph struct {
	units map[string]*unit
	order []string
}

// listGraph lists the build graph of pkgs, with the test variants if test.
func listGraph(ctx context.Context, g *goRunner, test bool, flags, pkgs []string) (*graph, error) {
	args := []string{"list", "-e", "-deps", "-json=" + listFields}
	if test {
		args = append(args, "-test")
	}
	args = append(append(args, flags...), pkgs...)
	out, err := g.output(ctx, args...)
	if err != nil {
		return nil, err
	}
	gr := &graph{units: map[string]*unit{}}
	err = decodeStream(out, func(p *listPackage) {
		// The test main go test generates lives in the build cache.
		for _, f := range p.GoFiles {
			if filepath.IsAbs(f) {
				return
			}
		}
		path := basePath(p.ImportPath)
		u := gr.units[path]
		if u == nil {
			u = &unit{path: path, name: p.Name, dir: p.Dir, module: p.Module, std: p.Standard}
			gr.units[path] = u
			gr.order = append(gr.order, path)
		}
		u.root = u.root || !p.DepOnly
		for _, f := range append(p.GoFiles, p.CgoFiles...) {
			f = filepath.Join(p.Dir, f)
			if !slices.Contains(u.files, f) {
				u.files = append(u.files, f)
			}
		}
		for _, imp := range p.Imports {
			imp = basePath(imp)
			if !slices.Contains(u.imports, imp) {
				u.imports = append(u.imports, imp)
			}
		}
	})
	for _, u := range gr.units {
		slices.Sort(u.files)
		slices.Sort(u.imports)
	}
	return gr, err
}

// coopSide is what the drop-ins need: the packages they import, which
// cannot be patched (a patched one would import its drop-in, which
// imports it: an import cycle), the modules those come from, and which
// optional drop-ins exist.
type coopSide struct {
	deps    map[string]bool
	modules map[string]string // module path → version, but coop's and the main module's
	has     map[string]bool   // drop-in import paths of the coop module in use
	files   []string          // the files of coop's packages the drop-ins are made of
}

// listCoop lists the drop-ins of Table in the coop module in use.
func listCoop(ctx context.Context, g *goRunner, flags []string) (*coopSide, error) {
	args := append([]string{"list", "-e", "-deps", "-json=ImportPath,Dir,GoFiles,DepOnly,Standard,Deps,Error,Module"}, flags...)
	for _, sw := range Table {
		args = append(args, sw.Coop)
	}
	args = append(args, CoopModule+"/iox")
	out, err := g.output(ctx, args...)
	if err != nil {
		return nil, err
	}
	cs := &coopSide{deps: map[string]bool{}, modules: map[string]string{}, has: map[string]bool{}}
	err = decodeStream(out, func(p *listPackage) {
		if p.Error != nil || p.Module == nil {
			return
		}
		if p.Module.Path == CoopModule {
			for _, f := range p.GoFiles {
				cs.files = append(cs.files, filepath.Join(p.Dir, f))
			}
		}
		if p.DepOnly {
			if m := p.Module; !m.Main && m.Path != CoopModule {
				cs.modules[m.Path] = m.Version
			}
			return
		}
		if p.Module.Path != CoopModule {
			return
		}
		cs.has[p.ImportPath] = true
		for _, d := range p.Deps {
			cs.deps[d] = true
		}
	})
	return cs, err
}
