package vet

import (
	"go/ast"
	"go/token"
	"go/types"
	"path"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// fileOf returns the file of the package that holds pos.
func (c *checker) fileOf(pos token.Pos) *ast.File {
	for _, f := range c.pass.Files {
		if f.FileStart <= pos && pos < f.FileEnd {
			return f
		}
	}
	return nil
}

// importName returns the name under which f imports the package path,
// and whether it does (a dot or blank import does not count).
func (c *checker) importName(f *ast.File, importPath string) (string, bool) {
	for _, spec := range f.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err != nil || p != importPath {
			continue
		}
		if spec.Name != nil {
			if spec.Name.Name == "_" || spec.Name.Name == "." {
				continue
			}
			return spec.Name.Name, true
		}
		if pn, ok := c.pass.TypesInfo.Implicits[spec].(*types.PkgName); ok {
			return pn.Name(), true
		}
		return path.Base(importPath), true
	}
	return "", false
}

// use returns the name to refer to the package importPath by in f, and the
// edits that import it if f does not: a fix that uses the name adds them.
func (c *checker) use(f *ast.File, importPath string) (string, []analysis.TextEdit) {
	if name, ok := c.importName(f, importPath); ok {
		return name, nil
	}
	return path.Base(importPath), c.addImport(f, importPath)
}

// addImport returns the edit that adds an import of importPath to f.
func (c *checker) addImport(f *ast.File, importPath string) []analysis.TextEdit {
	spec := strconv.Quote(importPath)
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if gd.Lparen.IsValid() {
			return []analysis.TextEdit{{Pos: gd.Rparen, End: gd.Rparen, NewText: []byte("\t" + spec + "\n")}}
		}
		return []analysis.TextEdit{{Pos: gd.End(), End: gd.End(), NewText: []byte("\nimport " + spec)}}
	}
	end := f.Name.End()
	return []analysis.TextEdit{{Pos: end, End: end, NewText: []byte("\n\nimport " + spec)}}
}

// text returns the source of node.
func (c *checker) text(node ast.Node) string {
	tf := c.pass.Fset.File(node.Pos())
	src, err := c.pass.ReadFile(tf.Name())
	if err != nil {
		return ""
	}
	return string(src[tf.Offset(node.Pos()):tf.Offset(node.End())])
}

// indent returns the white space that starts the line pos is on.
func (c *checker) indent(pos token.Pos) string {
	tf := c.pass.Fset.File(pos)
	src, err := c.pass.ReadFile(tf.Name())
	if err != nil {
		return ""
	}
	line := src[tf.Offset(tf.LineStart(tf.Line(pos))):]
	return string(line[:len(line)-len(strings.TrimLeft(string(line), " \t"))])
}

// sameLine reports whether a and b are on one line.
func (c *checker) sameLine(a, b token.Pos) bool {
	return c.pass.Fset.Position(a).Line == c.pass.Fset.Position(b).Line
}

// fix returns a suggested fix of one or more edits.
func fix(msg string, edits ...analysis.TextEdit) analysis.SuggestedFix {
	return analysis.SuggestedFix{Message: msg, TextEdits: edits}
}

// replace returns the edit that replaces node with text.
func replace(node ast.Node, text string) analysis.TextEdit {
	return analysis.TextEdit{Pos: node.Pos(), End: node.End(), NewText: []byte(text)}
}
