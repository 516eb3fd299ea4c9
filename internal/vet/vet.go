// Package vet provides coop's analyzer, which reports the blocking calls
// coop cannot see, with suggested fixes: imports of the standard
// packages coop has drop-ins for, in code meant to use coop; HTTP clients
// and transports that go around coop's; raw channel operations, selects
// and lock waits inside Cooperative tasks, which keep the turn; receives
// from coop timers' channels where iox.Recv is meant; and go statements
// inside tasks and timeout scopes, which start goroutines that are no
// task. Run it with coop vet, or with go vet -vettool=$(which coop).
package vet

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/coop-go/coop/internal/patch"
)

// Analyzer is coop's analyzer. Its flags:
//
//	-swapped patterns   packages meant to be swapped, besides those with an import swapped
//	-imports list       the standard packages whose imports are reported (default net,time,net/http)
var Analyzer = &analysis.Analyzer{
	Name: "coop",
	Doc: `report the blocking calls coop cannot see

The coop analyzer reports, each with a suggested fix where one is mechanical:

  - imports of net, time or net/http in a package meant to be swapped: one
    with a file that swapped an import (http "github.com/coop-go/coop/httpx"),
    or that -swapped names; fix: the coop drop-in, under the same name;
  - an http.Client with a nil Transport, which sends through net/http's
    DefaultTransport, and a net/http Transport, which dials with package
    net, in such a package; fix: httpx's;
  - in a Cooperative task (a function given to Go of a scheduler made with
    iox.WithMode(iox.Cooperative), and the tasks it spawns): channel
    receives and sends, selects, ranges over channels, and waits on a
    sync.Mutex, RWMutex, WaitGroup or Cond, all of which keep the turn;
    fix: iox.Recv, iox.Send, iox.Lock;
  - receives from the channel of a coop Timer or Ticker, or from iox.After,
    which coop cannot see; fix: iox.Recv;
  - go statements inside a task or a timeout scope, which start a plain
    goroutine: no task, not killed with its parent, outside the scope;
    fix: iox.Spawn.`,
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

var (
	swappedFlag patch.Patterns
	importsFlag = strings.Join(allSwaps(), ",")
)

// allSwaps returns the standard import path of every swap of patch.Table,
// the optional ones included: the fix names a drop-in of the coop this
// analyzer was built with.
func allSwaps() []string {
	var out []string
	for _, sw := range patch.Table {
		out = append(out, sw.Std)
	}
	return out
}

func init() {
	Analyzer.Flags.Var(&swappedFlag, "swapped", "import path `patterns` of packages meant to be swapped, besides those with a file that swapped an import")
	Analyzer.Flags.StringVar(&importsFlag, "imports", importsFlag, "the standard `packages` whose imports are reported in packages meant to be swapped")
}

const (
	coopPath  = patch.CoopModule
	ioxPath   = coopPath + "/iox"
	httpxPath = coopPath + "/httpx"
	timexPath = coopPath + "/iox/timex"
)

// checker is one run of the analyzer on one package.
type checker struct {
	pass     *analysis.Pass
	swapped  bool                  // the package is meant to be swapped
	reported map[token.Pos]bool    // nodes already reported, so that one check wins
	coop     map[types.Object]bool // variables holding a Cooperative scheduler (or a group on one)
	funcs    map[types.Object]*ast.FuncDecl
}

func run(pass *analysis.Pass) (any, error) {
	if isCoopItself(pass.Pkg.Path()) {
		return nil, nil // the drop-ins import what they replace, on purpose
	}
	c := &checker{pass: pass, reported: map[token.Pos]bool{}, coop: map[types.Object]bool{}, funcs: map[types.Object]*ast.FuncDecl{}}
	c.swapped = meantToBeSwapped(pass)
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if obj := pass.TypesInfo.Defs[fd.Name]; obj != nil {
					c.funcs[obj] = fd
				}
			}
		}
	}
	if c.swapped {
		c.checkImports()
		c.checkClients(ins)
	}
	c.checkTimers(ins) // before checkTasks: at a timer's channel, its diagnostic wins
	c.findCooperative(ins)
	c.checkTasks(ins)
	return nil, nil
}

// isCoopItself reports whether path is one of coop's packages that
// implement the drop-ins and the scheduler (not its examples or commands).
func isCoopItself(path string) bool {
	if path == ioxPath || strings.HasPrefix(path, coopPath+"/internal/") || strings.HasPrefix(path, ioxPath+"/") {
		return true
	}
	for _, sw := range patch.Table {
		if path == sw.Coop || strings.HasPrefix(path, sw.Coop+"/") {
			return true
		}
	}
	return false
}

// meantToBeSwapped reports whether the package is meant to be swapped:
// -swapped names it, or one of its files imports a drop-in under the
// standard package's name (http "github.com/coop-go/coop/httpx"), as
// swapping an import does. A package that only uses iox, or calls
// httpx.PatchDefault and keeps net/http on purpose, is not.
func meantToBeSwapped(pass *analysis.Pass) bool {
	if _, ok := swappedFlag.Match(pass.Pkg.Path()); ok {
		return true
	}
	for _, f := range pass.Files {
		for _, spec := range f.Imports {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil || spec.Name == nil {
				continue
			}
			for _, sw := range patch.Table {
				if p == sw.Coop && spec.Name.Name == sw.Name {
					return true
				}
			}
		}
	}
	return false
}

// report reports a diagnostic at node unless one was reported there.
func (c *checker) report(node ast.Node, category, msg string, fixes ...analysis.SuggestedFix) {
	if c.reported[node.Pos()] {
		return
	}
	c.reported[node.Pos()] = true
	c.pass.Report(analysis.Diagnostic{Pos: node.Pos(), End: node.End(), Category: category, Message: msg, SuggestedFixes: fixes})
}

// isFunc reports whether call calls the function or method pkg.name
// (for a method, name is "Type.Method").
func (c *checker) isFunc(call *ast.CallExpr, pkg, name string) bool {
	fn, ok := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != pkg {
		return false
	}
	if recv := fn.Signature().Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		n, ok := t.(*types.Named)
		return ok && n.Obj().Name()+"."+fn.Name() == name
	}
	return fn.Name() == name
}

// isNamed reports whether t (or what it points to) is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	t = types.Unalias(t)
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}
