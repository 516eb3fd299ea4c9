package vet

import (
	"go/ast"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// checkClients reports, in a package meant to be swapped, the HTTP
// clients and transports that go around coop's: an http.Client with a
// nil Transport sends its requests through net/http's DefaultTransport
// (coop's only after httpx.PatchDefault), and a net/http Transport
// dials with package net. The fixes use httpx's DefaultTransport and
// Transport, in files that import httpx.
func (c *checker) checkClients(ins *inspector.Inspector) {
	ins.Preorder([]ast.Node{(*ast.CompositeLit)(nil)}, func(n ast.Node) {
		lit := n.(*ast.CompositeLit)
		t := c.pass.TypesInfo.TypeOf(lit)
		switch {
		case isNamed(t, "net/http", "Client"):
			c.checkClient(lit)
		case isNamed(t, "net/http", "Transport"):
			c.checkTransport(lit)
		}
	})
}

func (c *checker) checkClient(lit *ast.CompositeLit) {
	const msg = "an http.Client with a nil Transport sends its requests through net/http's DefaultTransport, " +
		"which coop sees only after httpx.PatchDefault: give it httpx's DefaultTransport"
	var transport *ast.KeyValueExpr
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return // fields by position: this one says what its Transport is
		}
		if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Transport" {
			transport = kv
		}
	}
	if transport != nil && !c.pass.TypesInfo.Types[transport.Value].IsNil() {
		return
	}
	f := c.fileOf(lit.Pos())
	httpx, ok := c.importName(f, httpxPath)
	if !ok {
		c.report(lit, "client", msg+" (import "+httpxPath+")")
		return
	}
	dt := httpx + ".DefaultTransport"
	var edit analysis.TextEdit
	switch {
	case transport != nil:
		edit = replace(transport.Value, dt)
	case len(lit.Elts) == 0:
		edit = analysis.TextEdit{Pos: lit.Rbrace, End: lit.Rbrace, NewText: []byte("Transport: " + dt)}
	case c.sameLine(lit.Lbrace, lit.Elts[0].Pos()):
		edit = analysis.TextEdit{Pos: lit.Elts[0].Pos(), End: lit.Elts[0].Pos(), NewText: []byte("Transport: " + dt + ", ")}
	default:
		edit = analysis.TextEdit{Pos: lit.Elts[0].Pos(), End: lit.Elts[0].Pos(), NewText: []byte("Transport: " + dt + ",\n" + c.indent(lit.Elts[0].Pos()))}
	}
	c.report(lit, "client", msg, fix("Set Transport to "+dt, edit))
}

func (c *checker) checkTransport(lit *ast.CompositeLit) {
	const msg = "a net/http Transport dials with package net: coop can neither see nor kill its calls; use httpx's Transport, which has the same fields"
	f := c.fileOf(lit.Pos())
	httpx, ok := c.importName(f, httpxPath)
	sel, isSel := lit.Type.(*ast.SelectorExpr)
	if !ok || !isSel {
		c.report(lit, "client", msg)
		return
	}
	c.report(lit, "client", msg, fix("Use "+httpx+".Transport", replace(sel, httpx+".Transport")))
}
