package vet

import (
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/ast/inspector"
)

// checkTimers reports receives from the channel of a coop Timer or
// Ticker, and from iox.After or iox.Tick (timex's too, which are
// iox's): a plain channel receive, which coop cannot see, so that a kill
// lands only after it and in Cooperative mode it keeps the turn. The fix
// is iox.Recv, where the statement allows one; in a select or a range
// the diagnostic says so and there is no fix.
func (c *checker) checkTimers(ins *inspector.Inspector) {
	ins.WithStack([]ast.Node{(*ast.UnaryExpr)(nil), (*ast.RangeStmt)(nil)}, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		switch n := n.(type) {
		case *ast.RangeStmt:
			if c.isTimerChan(n.X) {
				c.report(n.X, "timer", "ranging over a coop timer's channel is a plain channel receive, which coop cannot see: receive with iox.Recv in a loop")
			}
		case *ast.UnaryExpr:
			if n.Op != token.ARROW || !c.isTimerChan(n.X) {
				return true
			}
			const msg = "a receive from a coop timer's channel is a plain channel receive, which coop cannot see (a kill lands after it; in Cooperative mode it keeps the turn): use iox.Recv"
			var stmt ast.Stmt
			if len(stack) >= 2 {
				switch p := stack[len(stack)-2].(type) {
				case *ast.ExprStmt:
					stmt = p
				case *ast.AssignStmt:
					if len(p.Rhs) == 1 && p.Rhs[0] == n {
						stmt = p
					}
				}
				if len(stack) >= 3 {
					if _, ok := stack[len(stack)-3].(*ast.CommClause); ok {
						c.report(n, "timer", msg+" (in a select, coop sees none of the cases)")
						return true
					}
				}
				if _, ok := stack[len(stack)-2].(*ast.CommClause); ok {
					c.report(n, "timer", msg+" (in a select, coop sees none of the cases)")
					return true
				}
			}
			c.report(n, "timer", msg, c.recvFixes(c.fileOf(n.Pos()), n, stmt)...)
		}
		return true
	})
}

// isTimerChan reports whether e is the C of a coop Timer or Ticker, or a
// call of iox.After or iox.Tick.
func (c *checker) isTimerChan(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		if e.Sel.Name != "C" {
			return false
		}
		t := c.pass.TypesInfo.TypeOf(e.X)
		return isNamed(t, ioxPath, "Timer") || isNamed(t, ioxPath, "Ticker")
	case *ast.CallExpr:
		return c.isFunc(e, ioxPath, "After") || c.isFunc(e, ioxPath, "Tick") ||
			c.isFunc(e, timexPath, "After") || c.isFunc(e, timexPath, "Tick")
	}
	return false
}
