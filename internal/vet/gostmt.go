package vet

import (
	"go/ast"

	"golang.org/x/tools/go/analysis"
)

// checkGoStmts reports the go statements in the body of a task or a
// timeout scope (kind): the goroutine is no task, is not killed with the
// task, is not in Snapshot, and its calls are outside the scope. The fix,
// for go func() { ... }() with no result to return, is iox.Spawn, whose
// task is a child of the task and inherits the scope.
func (c *checker) checkGoStmts(body *ast.BlockStmt, kind string) {
	f := c.fileOf(body.Pos())
	c.inTask(body, false, func(n ast.Node) bool {
		gs, ok := n.(*ast.GoStmt)
		if !ok {
			return true
		}
		msg := "a go statement in a task starts a plain goroutine: no task, not killed with its parent, not in Snapshot; use iox.Spawn"
		if kind == "scope" {
			msg = "a go statement in a timeout scope starts a goroutine outside the scope: its calls are not bound by it; use iox.Spawn, whose task inherits the scope"
		}
		c.report(gs, "go", msg, c.goFixes(f, gs)...)
		return true
	})
}

// goFixes returns the fix that turns go func() { ... }() into iox.Spawn.
func (c *checker) goFixes(f *ast.File, gs *ast.GoStmt) []analysis.SuggestedFix {
	lit, ok := ast.Unparen(gs.Call.Fun).(*ast.FuncLit)
	if !ok || len(gs.Call.Args) > 0 || lit.Type.Params.NumFields() > 0 || lit.Type.Results.NumFields() > 0 ||
		c.sameLine(lit.Body.Lbrace, lit.Body.Rbrace) || hasReturn(lit.Body) {
		return nil
	}
	iox, edits := c.use(f, ioxPath)
	ctx, more := c.use(f, "context")
	edits = append(edits, more...)
	edits = append(edits,
		analysis.TextEdit{Pos: gs.Pos(), End: lit.Body.Lbrace + 1, NewText: []byte(iox + ".Spawn(func(" + ctx + ".Context) error {")},
		analysis.TextEdit{Pos: lit.Body.Rbrace, End: lit.Body.Rbrace, NewText: []byte("\treturn nil\n" + c.indent(lit.Body.Rbrace))},
		analysis.TextEdit{Pos: lit.Body.Rbrace + 1, End: gs.Call.End(), NewText: []byte(")")},
	)
	return []analysis.SuggestedFix{fix("Use "+iox+".Spawn", edits...)}
}

// hasReturn reports whether body returns, outside the function literals in it.
func hasReturn(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.ReturnStmt:
			found = true
		case *ast.FuncLit:
			return false
		}
		return !found
	})
	return found
}
