package vet

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// findCooperative finds the variables and fields that hold a scheduler
// made with iox.WithMode(iox.Cooperative), or an iox.Group on one, where
// the package assigns them.
func (c *checker) findCooperative(ins *inspector.Inspector) {
	mark := func(lhs ast.Expr, rhs ast.Expr) {
		if !c.isCoopSched(rhs) && !c.isCoopGroup(rhs) {
			return
		}
		if obj := c.objOf(lhs); obj != nil {
			c.coop[obj] = true
		}
	}
	ins.Preorder([]ast.Node{(*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.CompositeLit)(nil)}, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i := range n.Lhs {
					mark(n.Lhs[i], n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i := range n.Names {
					mark(n.Names[i], n.Values[i])
				}
			}
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					mark(kv.Key, kv.Value)
				}
			}
		}
	})
}

// objOf returns the variable or field an expression names, or nil.
func (c *checker) objOf(e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if obj := c.pass.TypesInfo.Defs[e]; obj != nil {
			return obj
		}
		return c.pass.TypesInfo.Uses[e]
	case *ast.SelectorExpr:
		return c.pass.TypesInfo.Uses[e.Sel]
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return c.objOf(e.X)
		}
	}
	return nil
}

// isCoopSched reports whether e is a Cooperative scheduler: iox.New with
// iox.WithMode(iox.Cooperative), or what holds one.
func (c *checker) isCoopSched(e ast.Expr) bool {
	e = ast.Unparen(e)
	if call, ok := e.(*ast.CallExpr); ok && c.isFunc(call, ioxPath, "New") {
		for _, arg := range call.Args {
			if opt, ok := ast.Unparen(arg).(*ast.CallExpr); ok && c.isFunc(opt, ioxPath, "WithMode") && len(opt.Args) == 1 && c.isCooperative(opt.Args[0]) {
				return true
			}
		}
		return false
	}
	obj := c.objOf(e)
	return obj != nil && c.coop[obj] && isNamed(obj.Type(), ioxPath, "Scheduler")
}

// isCoopGroup reports whether e is an iox.Group whose Scheduler is a
// Cooperative one, or what holds one.
func (c *checker) isCoopGroup(e ast.Expr) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	if lit, ok := e.(*ast.CompositeLit); ok && isNamed(c.pass.TypesInfo.TypeOf(lit), ioxPath, "Group") {
		for _, el := range lit.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok && c.isCoopSched(kv.Value) {
				return true
			}
		}
		return false
	}
	obj := c.objOf(e)
	return obj != nil && c.coop[obj] && isNamed(obj.Type(), ioxPath, "Group")
}

// isCooperative reports whether e is the constant iox.Cooperative.
func (c *checker) isCooperative(e ast.Expr) bool {
	tv := c.pass.TypesInfo.Types[e]
	if tv.Value == nil || !isNamed(tv.Type, ioxPath, "Mode") {
		return false
	}
	for _, imp := range c.pass.Pkg.Imports() {
		if imp.Path() == ioxPath {
			if k, ok := imp.Scope().Lookup("Cooperative").(*types.Const); ok {
				return constant.Compare(tv.Value, token.EQL, k.Val())
			}
		}
	}
	return false
}

// checkTasks looks into the functions run as tasks or in timeout scopes:
// in every one, go statements; in Cooperative ones, the waits that keep
// the turn.
func (c *checker) checkTasks(ins *inspector.Inspector) {
	ins.Preorder([]ast.Node{(*ast.CallExpr)(nil)}, func(n ast.Node) {
		call := n.(*ast.CallExpr)
		fn, kind := c.taskFunc(call)
		if fn == nil {
			return
		}
		body := c.bodyOf(fn)
		if body == nil {
			return
		}
		c.checkGoStmts(body, kind)
		if kind == "task" && c.cooperativeCall(call) {
			c.checkCoopBody(body)
		}
	})
}

// taskFunc returns the function call runs as a task (kind "task": Go of a
// scheduler, a group or a pool, Spawn) or in a timeout scope (kind
// "scope": Timeout), or nil.
func (c *checker) taskFunc(call *ast.CallExpr) (ast.Expr, string) {
	switch {
	case len(call.Args) == 1 && (c.isFunc(call, ioxPath, "Scheduler.Go") || c.isFunc(call, ioxPath, "Group.Go") ||
		c.isFunc(call, ioxPath, "Pool.Go") || c.isFunc(call, ioxPath, "Spawn")):
		return call.Args[0], "task"
	case len(call.Args) == 2 && c.isFunc(call, ioxPath, "Timeout"):
		return call.Args[1], "scope"
	}
	return nil, ""
}

// cooperativeCall reports whether call starts a task on a Cooperative
// scheduler: Go of one (or of a group on one).
func (c *checker) cooperativeCall(call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	return c.isFunc(call, ioxPath, "Scheduler.Go") && c.isCoopSched(sel.X) ||
		c.isFunc(call, ioxPath, "Group.Go") && c.isCoopGroup(sel.X)
}

// bodyOf returns the body of a function literal, or of a function of this
// package named by fn.
func (c *checker) bodyOf(fn ast.Expr) *ast.BlockStmt {
	switch fn := ast.Unparen(fn).(type) {
	case *ast.FuncLit:
		return fn.Body
	case *ast.Ident:
		if fd := c.funcs[c.pass.TypesInfo.Uses[fn]]; fd != nil {
			return fd.Body
		}
	}
	return nil
}

// inTask walks the code of body that runs in the task itself: not the
// function literals it makes (callbacks, goroutines), but those it calls
// at once or defers; and, for tasks it spawns on the same scheduler, their
// bodies too. visit returns false to skip a node's children.
func (c *checker) inTask(body ast.Node, sameScheduler bool, visit func(n ast.Node) bool) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.GoStmt: // the goroutine is not the task: only the statement itself
			visit(n)
			return false
		case *ast.CallExpr:
			if lit, ok := ast.Unparen(n.Fun).(*ast.FuncLit); ok {
				c.inTask(lit.Body, sameScheduler, visit)
			}
			if sameScheduler {
				// iox.Spawn, a pool's or a plain group's Go: a task of the
				// calling task's scheduler, Cooperative as well.
				if c.isFunc(n, ioxPath, "Spawn") || c.isFunc(n, ioxPath, "Pool.Go") || c.isFunc(n, ioxPath, "Group.Go") {
					if lit, ok := ast.Unparen(n.Args[0]).(*ast.FuncLit); ok {
						c.inTask(lit.Body, sameScheduler, visit)
					}
				}
			}
		}
		return visit(n)
	})
}

// checkCoopBody reports the waits in a Cooperative task that keep the
// turn: raw channel receives and sends, selects, ranges over channels,
// sync.Mutex, RWMutex, WaitGroup and Cond waits, and time.Sleep.
func (c *checker) checkCoopBody(body *ast.BlockStmt) {
	f := c.fileOf(body.Pos())
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ExprStmt:
			if recv, ok := isRecv(n.X); ok {
				c.reportRecv(f, recv, n)
			}
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 {
				if recv, ok := isRecv(n.Rhs[0]); ok {
					c.reportRecv(f, recv, n)
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				c.reportRecv(f, n, nil)
			}
		case *ast.SendStmt:
			iox, edits := c.use(f, ioxPath)
			c.report(n, "cooperative", "a channel send in a Cooperative task keeps the turn while it waits: no other task runs; use iox.Send",
				fix("Use "+iox+".Send", append(edits, replace(n, iox+".Send("+c.text(n.Chan)+", "+c.text(n.Value)+")"))...))
		case *ast.SelectStmt:
			blocking := true
			for _, cl := range n.Body.List {
				if cc := cl.(*ast.CommClause); cc.Comm == nil {
					blocking = false
				}
			}
			if blocking {
				c.report(n, "cooperative", "a select in a Cooperative task keeps the turn while it waits, and coop has no select of its own: "+
					"wait on one channel with iox.Recv, or gather the cases into an iox.Queue")
			}
			for _, cl := range n.Body.List { // the cases' bodies run in the task; their comms are the select's
				for _, st := range cl.(*ast.CommClause).Body {
					c.inTask(st, true, visit)
				}
			}
			return false
		case *ast.RangeStmt:
			if _, ok := c.pass.TypesInfo.TypeOf(n.X).Underlying().(*types.Chan); ok {
				c.report(n.X, "cooperative", "ranging over a channel in a Cooperative task keeps the turn at each wait; receive with iox.Recv in a loop")
			}
		case *ast.CallExpr:
			c.checkCoopCall(f, n)
		}
		return true
	}
	c.inTask(body, true, visit)
}

// isRecv returns e as a channel receive, if it is one.
func isRecv(e ast.Expr) (*ast.UnaryExpr, bool) {
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	return u, ok && u.Op == token.ARROW
}

// reportRecv reports a receive in a Cooperative task; stmt is the
// statement it is the whole value of, if any, which the fix rewrites.
func (c *checker) reportRecv(f *ast.File, recv *ast.UnaryExpr, stmt ast.Stmt) {
	c.report(recv, "cooperative", "a channel receive in a Cooperative task keeps the turn while it waits: no other task runs; use iox.Recv",
		c.recvFixes(f, recv, stmt)...)
}

// recvFixes returns the fix that makes recv an iox.Recv, where its
// statement allows one: <-ch alone, v := <-ch, v, ok = <-ch.
func (c *checker) recvFixes(f *ast.File, recv *ast.UnaryExpr, stmt ast.Stmt) []analysis.SuggestedFix {
	iox, edits := c.use(f, ioxPath)
	call := iox + ".Recv(" + c.text(recv.X) + ")"
	msg := "Use " + iox + ".Recv"
	switch s := stmt.(type) {
	case *ast.ExprStmt:
		return []analysis.SuggestedFix{fix(msg, append(edits, replace(recv, call))...)}
	case *ast.AssignStmt:
		switch len(s.Lhs) {
		case 1:
			return []analysis.SuggestedFix{fix(msg, append(edits, replace(s, c.text(s.Lhs[0])+", _ "+s.Tok.String()+" "+call))...)}
		case 2:
			return []analysis.SuggestedFix{fix(msg, append(edits, replace(recv, call))...)}
		}
	}
	return nil
}

// checkCoopCall reports a call in a Cooperative task that waits with the
// turn: a lock, a WaitGroup or Cond wait, time.Sleep.
func (c *checker) checkCoopCall(f *ast.File, call *ast.CallExpr) {
	sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	switch {
	case c.isFunc(call, "sync", "Mutex.Lock") || c.isFunc(call, "sync", "RWMutex.Lock") || c.isFunc(call, "sync", "RWMutex.RLock"):
		const msg = "a sync lock wait in a Cooperative task keeps the turn, and the holder may be a task waiting for it: use iox.Lock"
		s := c.pass.TypesInfo.Selections[sel]
		if s == nil || len(s.Index()) > 1 { // a promoted method: say so, no fix
			c.report(call, "cooperative", msg)
			return
		}
		iox, edits := c.use(f, ioxPath)
		arg := c.text(sel.X)
		if _, ptr := c.pass.TypesInfo.TypeOf(sel.X).(*types.Pointer); !ptr {
			arg = "&" + arg
		}
		if sel.Sel.Name == "RLock" {
			arg = c.text(sel.X) + ".RLocker()"
		}
		c.report(call, "cooperative", msg, fix("Use "+iox+".Lock", append(edits, replace(call, iox+".Lock("+arg+")"))...))
	case c.isFunc(call, "sync", "WaitGroup.Wait"):
		c.report(call, "cooperative", "a sync.WaitGroup wait in a Cooperative task keeps the turn: start the work in an iox.Group and Wait on it")
	case c.isFunc(call, "sync", "Cond.Wait"):
		c.report(call, "cooperative", "a sync.Cond wait in a Cooperative task keeps the turn: wait on an iox.Flag or with iox.Recv")
	case c.isFunc(call, "time", "Sleep") && isSel:
		iox, edits := c.use(f, ioxPath)
		c.report(call, "cooperative", "time.Sleep in a Cooperative task keeps the turn: use iox.Sleep",
			fix("Use "+iox+".Sleep", append(edits, replace(sel, iox+".Sleep"))...))
	}
}
