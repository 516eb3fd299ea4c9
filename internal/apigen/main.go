// Command apigen writes the generated half of a drop-in package, one that
// mirrors a standard library package name for name: for every exported name
// of the standard package that the target package does not declare by
// hand, it writes an alias (types), a copy (constants and variables) or a
// forwarding function.
//
// Usage, from a //go:generate line in the target package's directory:
//
//	go run ../../internal/apigen -pkg time -out zz_time.go
//
// The flags are:
//
//	-pkg path        import path of the standard package to mirror (required)
//	-out file        file to write (required)
//	-dir dir         directory of the target package (default: that of -out)
//	-import-as name  name of the standard package in the output (default:
//	                 its package name)
//
// The hand-written names are the top-level exported names declared in the
// target directory's .go files, other than tests, generated files and the
// output file itself. The standard package's types appear unqualified in
// the forwarding functions' signatures, since the output aliases each of
// them under its own name; one the target declares by hand appears
// qualified, as it may be a different type.
package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.pkg, "pkg", "", "import `path` of the standard package to mirror")
	flag.StringVar(&cfg.importAs, "import-as", "", "`name` of the standard package in the output (default: its package name)")
	flag.StringVar(&cfg.dir, "dir", "", "`directory` of the target package (default: that of -out)")
	out := flag.String("out", "", "`file` to write")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: apigen -pkg path -out file [-dir dir] [-import-as name]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if cfg.pkg == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if cfg.dir == "" {
		cfg.dir = filepath.Dir(*out)
	}
	cfg.out = filepath.Base(*out)
	src, err := generate(cfg)
	if err == nil {
		if err = os.WriteFile(*out, src, 0o666); err != nil {
			err = fmt.Errorf("apigen: %w", err)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// A config says what to generate.
type config struct {
	pkg      string          // import path of the standard package
	importAs string          // its name in the output; "" means its package name
	dir      string          // directory of the target package
	out      string          // base name of the output file, not scanned in dir
	only     map[string]bool // names to forward (for tests); nil means all
	importer types.Importer  // nil means a new source importer
}

// A generator holds the state of one run.
type generator struct {
	cfg     config
	std     *types.Package
	local   string                    // name of std in the output
	hand    map[string]bool           // exported names the target declares by hand
	imports map[*types.Package]string // package -> its name in the output
	taken   map[string]bool           // names in use in the output's file scope
	docs    map[string]string         // std name -> its doc comment
	oldPkg  bool                      // std is deprecated
	cur     string                    // name being written, for errors
	errs    []error
}

// generate returns the gofmt'ed output file for cfg.
func generate(cfg config) ([]byte, error) {
	target, names, err := scanTarget(cfg.dir, cfg.out)
	if err != nil {
		return nil, err
	}
	imp := cfg.importer
	if imp == nil {
		imp = importer.ForCompiler(token.NewFileSet(), "source", nil)
	}
	std, err := imp.Import(cfg.pkg)
	if err != nil {
		return nil, fmt.Errorf("apigen: loading %s: %w", cfg.pkg, err)
	}
	docs, pkgDoc, err := loadDocs(cfg.pkg)
	if err != nil {
		return nil, err
	}
	g := &generator{
		cfg:     cfg,
		std:     std,
		local:   cmp.Or(cfg.importAs, std.Name()),
		hand:    map[string]bool{},
		imports: map[*types.Package]string{},
		taken:   names,
		docs:    docs,
		oldPkg:  deprecation(pkgDoc) != "",
	}
	if names[g.local] {
		return nil, fmt.Errorf("apigen: package %s declares %s, the name of the import of %s; choose another with -import-as", target, g.local, cfg.pkg)
	}
	for name := range names {
		if token.IsExported(name) {
			g.hand[name] = true
		}
	}
	g.taken[g.local] = true
	g.imports[std] = g.local

	var consts, vars, typeDecls, funcs []string
	for _, name := range std.Scope().Names() {
		if !g.forwarded(name) {
			continue
		}
		g.cur = name
		switch obj := std.Scope().Lookup(name).(type) {
		case *types.Const:
			consts = append(consts, g.doc(name, "is")+fmt.Sprintf("%s = %s.%s\n", name, g.local, name))
		case *types.Var:
			if holdsLock(obj.Type()) {
				g.errorf("a copy would copy its lock; declare %s by hand", name)
			}
			vars = append(vars, g.doc(name, "var")+fmt.Sprintf("%s = %s.%s\n", name, g.local, name))
		case *types.TypeName:
			typeDecls = append(typeDecls, g.typeDecl(obj))
		case *types.Func:
			funcs = append(funcs, g.funcDecl(obj))
		}
	}
	if len(g.errs) > 0 {
		return nil, errors.Join(g.errs...)
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by apigen from package %s; DO NOT EDIT.\n\npackage %s\n\n", cfg.pkg, target)
	if len(consts)+len(vars)+len(typeDecls)+len(funcs) > 0 {
		b.WriteString("import (\n")
		pkgs := make([]*types.Package, 0, len(g.imports))
		for p := range g.imports {
			pkgs = append(pkgs, p)
		}
		slices.SortFunc(pkgs, func(a, b *types.Package) int { return strings.Compare(a.Path(), b.Path()) })
		for _, p := range pkgs {
			if p == std && g.oldPkg {
				b.WriteString("//lint:ignore SA1019 forwarding the deprecated package\n")
			}
			if name := g.imports[p]; name != p.Name() {
				fmt.Fprintf(&b, "%s ", name)
			}
			fmt.Fprintf(&b, "%q\n", p.Path())
		}
		b.WriteString(")\n\n")
	}
	for _, group := range []struct {
		keyword string
		specs   []string
	}{{"const", consts}, {"var", vars}} {
		if len(group.specs) > 0 {
			fmt.Fprintf(&b, "%s (\n%s)\n\n", group.keyword, strings.Join(group.specs, "\n"))
		}
	}
	b.WriteString(strings.Join(append(typeDecls, funcs...), "\n"))
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("apigen: formatting the output: %w", err)
	}
	return src, nil
}

// forwarded reports whether the output declares the standard package's
// name.
func (g *generator) forwarded(name string) bool {
	return token.IsExported(name) && !g.hand[name] && (g.cfg.only == nil || g.cfg.only[name])
}

// typeDecl returns the alias declaration for a type.
func (g *generator) typeDecl(obj *types.TypeName) string {
	var tparams *types.TypeParamList
	switch t := obj.Type().(type) {
	case *types.Alias:
		tparams = t.TypeParams()
	case *types.Named:
		tparams = t.TypeParams()
	}
	return fmt.Sprintf("%stype %s%s = %s.%s%s\n",
		g.doc(obj.Name(), "is"), obj.Name(), g.typeParams(tparams), g.local, obj.Name(), typeArgs(tparams))
}

// funcDecl returns the forwarding function for a function.
func (g *generator) funcDecl(f *types.Func) string {
	sig := f.Type().(*types.Signature)
	var b strings.Builder
	b.WriteString(g.doc(f.Name(), "calls"))
	fmt.Fprintf(&b, "func %s%s(", f.Name(), g.typeParams(sig.TypeParams()))
	params := sig.Params()
	names := paramNames(params, g.local)
	args := make([]string, params.Len())
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
		t, dots := params.At(i).Type(), ""
		if sig.Variadic() && i == params.Len()-1 {
			t, dots = t.(*types.Slice).Elem(), "..."
		}
		// Consecutive parameters of the same type share it, as in
		// Parse(layout, value string).
		last := i+1 == len(names) || sig.Variadic() && i+2 == len(names)
		if last || !types.Identical(t, params.At(i+1).Type()) {
			b.WriteString(" " + dots + g.typeString(t))
		}
		args[i] = name + dots
	}
	b.WriteString(")")
	results := make([]string, sig.Results().Len())
	for i := range results {
		results[i] = g.typeString(sig.Results().At(i).Type())
	}
	ret := ""
	switch len(results) {
	case 0:
	case 1:
		fmt.Fprintf(&b, " %s", results[0])
		ret = "return "
	default:
		fmt.Fprintf(&b, " (%s)", strings.Join(results, ", "))
		ret = "return "
	}
	fmt.Fprintf(&b, " {\n\t%s%s.%s%s(%s)\n}\n",
		ret, g.local, f.Name(), typeArgs(sig.TypeParams()), strings.Join(args, ", "))
	return b.String()
}

// paramNames names a function's parameters for its forwarding function:
// the original names, but pN for an unnamed or blank parameter and for one
// that would hide the standard package in the body.
func paramNames(params *types.Tuple, local string) []string {
	used := map[string]bool{local: true}
	for v := range params.Variables() {
		used[v.Name()] = true
	}
	names := make([]string, params.Len())
	for i := range names {
		name := params.At(i).Name()
		if name == "" || name == "_" || name == local {
			name = fmt.Sprintf("p%d", i)
			for used[name] {
				name += "_"
			}
			used[name] = true
		}
		names[i] = name
	}
	return names
}

// typeParams returns a type parameter list with its constraints, as
// "[K comparable, V any]", or "" for none.
func (g *generator) typeParams(list *types.TypeParamList) string {
	if list.Len() == 0 {
		return ""
	}
	var parts []string
	for tp := range list.TypeParams() {
		if g.taken[tp.Obj().Name()] {
			g.errorf("type parameter %s hides an import", tp.Obj().Name())
		}
		// An unexported constraint, as rand.N's intType, is spelled out:
		// only its type set matters.
		c := types.Unalias(tp.Constraint())
		if n, ok := c.(*types.Named); ok && n.Obj().Pkg() == g.std && !n.Obj().Exported() {
			c = n.Underlying()
		}
		parts = append(parts, tp.Obj().Name()+" "+g.typeString(c))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// typeArgs returns the type parameters as the arguments of an
// instantiation, as "[K, V]", or "" for none.
func typeArgs(list *types.TypeParamList) string {
	if list.Len() == 0 {
		return ""
	}
	var names []string
	for tp := range list.TypeParams() {
		names = append(names, tp.Obj().Name())
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// stdRef matches a reference to a name of the standard package in the
// output of typeString's qualifier, which marks that package with a NUL.
var stdRef = regexp.MustCompile(`\x00\.\w+`)

// typeString prints t as the output's file sees it: the standard package's
// names that the output aliases unqualified, other packages' names
// qualified by their import's name.
func (g *generator) typeString(t types.Type) string {
	s := types.TypeString(t, g.qualify)
	return stdRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[2:]
		switch {
		case !token.IsExported(name):
			g.errorf("its signature has the unexported type %s.%s; declare %s by hand", g.std.Name(), name, g.cur)
		case g.forwarded(name):
			return name
		}
		return g.local + "." + name
	})
}

// qualify is typeString's qualifier: it names the import of p, adding one
// if needed.
func (g *generator) qualify(p *types.Package) string {
	if p == g.std {
		return "\x00"
	}
	if name, ok := g.imports[p]; ok {
		return name
	}
	if elems := strings.Split(p.Path(), "/"); elems[0] == "vendor" || slices.Contains(elems, "internal") {
		g.errorf("its signature has a type from %s, which cannot be imported; declare %s by hand", p.Path(), g.cur)
	}
	// A second package of the same name, as crypto/rand after math/rand,
	// takes the last two elements of its path, then a number.
	name := p.Name()
	if g.taken[name] {
		elems := strings.Split(p.Path(), "/")
		if len(elems) > 1 {
			name = elems[len(elems)-2] + name
		}
		for i := 2; g.taken[name]; i++ {
			name = fmt.Sprintf("%s%d", p.Name(), i)
		}
	}
	g.taken[name] = true
	g.imports[p] = name
	return name
}

func (g *generator) errorf(format string, args ...any) {
	g.errs = append(g.errs, fmt.Errorf("apigen: %s.%s: "+format, append([]any{g.cfg.pkg, g.cur}, args...)...))
}

// doc returns the doc comment of a declaration: a first line saying what it
// is ("is" for a constant or type, "var" for a variable, "calls" for a
// function), the original's first paragraph and its deprecation notice.
// Outside a function, a reference to a deprecated name gets a lint:ignore
// directive; a deprecated function may use one, and so may anything in a
// deprecated package.
func (g *generator) doc(name, verb string) string {
	qual := g.std.Name() + "." + name
	var lines []string
	switch verb {
	case "var":
		lines = append(lines, fmt.Sprintf("%s is a copy of %s taken at program start:", name, qual),
			"assigning to either variable does not change the other.")
	default:
		lines = append(lines, fmt.Sprintf("%s %s %s.", name, verb, qual))
	}
	paras := strings.Split(strings.TrimSpace(g.docs[name]), "\n\n")
	if first := firstParagraph(paras); first != "" {
		lines = append(lines, "", first)
	}
	notice := deprecation(g.docs[name])
	if notice != "" {
		lines = append(lines, "", notice)
	}
	var b strings.Builder
	for _, l := range strings.Split(strings.Join(lines, "\n"), "\n") {
		b.WriteString(strings.TrimRight("// "+l, " ") + "\n")
	}
	if notice != "" && verb != "calls" && !g.oldPkg {
		b.WriteString("//lint:ignore SA1019 forwarding the deprecated name\n")
	}
	return b.String()
}

// firstParagraph returns the first paragraph of a doc comment split into
// paragraphs, extended over code blocks and further paragraphs up to the
// end of its sentence: "Date returns the Time corresponding to", a code
// block and "in the appropriate zone ...". It returns "" for a first
// paragraph that is a deprecation notice.
func firstParagraph(paras []string) string {
	if strings.HasPrefix(paras[0], "Deprecated: ") {
		return ""
	}
	for i, p := range paras {
		if !strings.HasPrefix(p, "\t") && strings.HasSuffix(p, ".") {
			return strings.Join(paras[:i+1], "\n\n")
		}
	}
	return paras[0]
}

// scanTarget parses the hand-written files of the target package in dir:
// its .go files other than tests, generated files and out. It returns their
// package name and their top-level names, exported or not.
func scanTarget(dir, out string) (pkg string, names map[string]bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, fmt.Errorf("apigen: %w", err)
	}
	names = map[string]bool{}
	fset := token.NewFileSet()
	for _, e := range entries {
		base := e.Name()
		if e.IsDir() || base == out || !strings.HasSuffix(base, ".go") || strings.HasSuffix(base, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, base), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return "", nil, fmt.Errorf("apigen: %w", err)
		}
		if ast.IsGenerated(f) {
			continue
		}
		if pkg != "" && f.Name.Name != pkg {
			return "", nil, fmt.Errorf("apigen: %s is package %s, not %s", base, f.Name.Name, pkg)
		}
		pkg = f.Name.Name
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil && decl.Name.Name != "init" {
					names[decl.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						names[spec.Name.Name] = true
					case *ast.ValueSpec:
						for _, id := range spec.Names {
							names[id.Name] = true
						}
					}
				}
			}
		}
	}
	if pkg == "" {
		return "", nil, fmt.Errorf("apigen: no hand-written .go file in %s to take the package name from", dir)
	}
	delete(names, "_")
	return pkg, names, nil
}

// loadDocs returns the doc comments of the top-level declarations of the
// standard package at path, and its package doc, read from its source in
// GOROOT.
func loadDocs(path string) (docs map[string]string, pkgDoc string, err error) {
	bp, err := build.Import(path, "", 0)
	if err != nil {
		return nil, "", fmt.Errorf("apigen: finding the source of %s: %w", path, err)
	}
	docs = map[string]string{}
	fset := token.NewFileSet()
	for _, base := range append(bp.GoFiles, bp.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, base), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, "", fmt.Errorf("apigen: reading the docs of %s: %w", path, err)
		}
		pkgDoc += f.Doc.Text() + "\n\n"
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil {
					docs[decl.Name.Name] = decl.Doc.Text()
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						docs[spec.Name.Name] = specDoc(spec.Doc, decl)
					case *ast.ValueSpec:
						for _, id := range spec.Names {
							docs[id.Name] = specDoc(spec.Doc, decl)
						}
					}
				}
			}
		}
	}
	return docs, pkgDoc, nil
}

// specDoc returns the doc comment of a name declared in decl: its own, or
// else the declaration's, with the declaration's deprecation notice in any
// case. Of a group's comment, shared by its names, it takes only the first
// sentence ("Common durations."), or the first paragraph without one.
func specDoc(spec *ast.CommentGroup, decl *ast.GenDecl) string {
	own, all := strings.TrimSpace(spec.Text()), strings.TrimSpace(decl.Doc.Text())
	notice := deprecation(all)
	switch {
	case own == "" && len(decl.Specs) == 1:
		return all
	case own == "":
		own, _, _ = strings.Cut(all, "\n\n")
		own = strings.ReplaceAll(own, "\n", " ")
		if i := strings.Index(own+" ", ". "); i >= 0 {
			own = own[:i+1]
		}
	case deprecation(own) != "":
		return own
	}
	return strings.TrimSpace(own + "\n\n" + notice)
}

// deprecation returns the deprecation notice of a doc comment, or "".
func deprecation(doc string) string {
	for _, p := range strings.Split(strings.TrimSpace(doc), "\n\n") {
		if strings.HasPrefix(p, "Deprecated: ") {
			return p
		}
	}
	return ""
}

// holdsLock reports whether a value of type t holds a lock, which vet's
// copylocks check says a copy must not: a value whose pointer has Lock and
// Unlock methods, or a struct or array holding one.
func holdsLock(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Interface, *types.Pointer:
		return false
	case *types.Struct:
		for f := range u.Fields() {
			if holdsLock(f.Type()) {
				return true
			}
		}
	case *types.Array:
		return holdsLock(u.Elem())
	}
	ms := types.NewMethodSet(types.NewPointer(t))
	return ms.Lookup(nil, "Lock") != nil && ms.Lookup(nil, "Unlock") != nil
}
