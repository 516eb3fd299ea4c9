package patch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Config is one patched go build, go run or go test.
type Config struct {
	Command string   // "build", "run" or "test"
	Args    []string // what follows the subcommand: go flags, packages, the program's or the test binary's arguments
	Dir     string   // where the go command runs; "" for the current directory
	Env     []string // the go command's (and the program's) environment; nil for os.Environ()

	Stdin          io.Reader
	Stdout, Stderr io.Writer

	Source Source   // the coop module to use; see Source
	Only   Patterns // if not empty, only packages that match are swapped
	Skip   Patterns // packages that match are not swapped
	Swap   []string // the standard packages to swap; nil for every one the coop module in use has
	Report bool     // print every package's verdict
	Trace  bool     // print each go command coop runs
	Cache  string   // coop's cache directory; "" for CacheDir's
}

// A Build is a patched build, ready to hand to the go command.
type Build struct {
	Report  Report // every package's verdict
	Overlay string // the -overlay file
	Modfile string // the -modfile

	cfg   Config
	ga    goArgs
	g     *goRunner
	files []string // run with .go files: files coop added, to list with them
	s     *state
}

// Run prepares the build cfg describes, prints its report to cfg.Stderr
// and runs the go command (for run, builds the program, then runs it),
// returning the exit code the go command or the program gave.
func Run(ctx context.Context, cfg Config) (int, error) {
	b, err := Prepare(ctx, cfg)
	if err != nil {
		return 2, err
	}
	if cfg.Report {
		b.Report.Write(cfg.Stderr)
	} else {
		b.Report.WriteLeft(cfg.Stderr)
	}
	return b.Exec(ctx)
}

// Prepare works out the patched build: it lists the build graph, decides
// each package's verdict, writes the rewritten files, the overlay and the
// go.mod, and checks that the patched build compiles, leaving as they
// were the packages that do not. For build and run, if the cache has the
// program's verdicts from before an edit, they stand as a guess and the
// check waits for Exec, which makes it only if the build fails.
func Prepare(ctx context.Context, cfg Config) (*Build, error) {
	s, err := newState(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.plan(ctx); err != nil {
		return nil, err
	}
	if err := s.settle(ctx); err != nil {
		return nil, err
	}
	return s.build(), nil
}

// state is a patched build being prepared.
type state struct {
	cfg   Config
	ga    goArgs
	g     *goRunner
	env   goEnv
	cache *cache
	mod   *modfilePlan

	baseMod  string // the go.mod to list with: the user's, coop added
	finalMod string // and with the mirrors' replace directives
	gr       *graph
	coop     *coopSide
	swaps    Swaps
	mirrors  map[string]string // module directory in the module cache → its mirror
	mirrorOf map[string]string // mirror → module@version, for messages
	inject   map[string]string // unit path → the path of the file added to it
	overlay  string
	shown    map[string]string // a file in the overlay → how messages name it
	noInject []string          // packages whose start-up file was taken out

	settledKey string       // the key of the verdicts of this exact build
	rec        settleRecord // the verdicts so far
	optimistic bool         // build before any compile check: see settle
}

func newState(ctx context.Context, cfg Config) (*state, error) {
	switch cfg.Command {
	case "build", "run", "test":
	default:
		return nil, fmt.Errorf("coop: no command %q: build, run or test", cfg.Command)
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	ga, err := parseGoArgs(cfg.Command, cfg.Args)
	if err != nil {
		return nil, err
	}
	if len(ga.pkgs) == 0 {
		if cfg.Command == "run" {
			return nil, errors.New("coop: run needs a package (or .go files) to run")
		}
		ga.pkgs = []string{"."}
	}
	dir := cfg.Dir
	if filepath.IsAbs(ga.dir) {
		dir = ga.dir
	} else if ga.dir != "" {
		dir = filepath.Join(dir, ga.dir)
	}
	s := &state{cfg: cfg, ga: ga, g: &goRunner{dir: dir, env: cfg.Env}}
	if cfg.Trace {
		s.g.trace = cfg.Stderr
	}
	if s.env, err = s.g.goEnv(ctx); err != nil {
		return nil, err
	}
	switch {
	case s.env.GOMOD == "" || s.env.GOMOD == os.DevNull:
		return nil, errors.New("coop: no go.mod here: coop patches the build of a module")
	case s.env.GOWORK != "" && s.env.GOWORK != "off":
		return nil, fmt.Errorf("coop: workspaces are not supported (GOWORK=%s): the patched build needs a go.mod of its own; run with GOWORK=off", s.env.GOWORK)
	}
	cdir := cfg.Cache
	if cdir == "" {
		if cdir, err = CacheDir(s.g.getenv); err != nil {
			return nil, err
		}
	}
	s.cache = &cache{dir: cdir}
	return s, nil
}

// listFlags returns the flags go list needs to see the build as the go
// command will build it, with the go.mod mod.
func (s *state) listFlags(mod string) []string {
	return append([]string{"-modfile=" + mod}, s.ga.build...)
}

// plan lists the build, decides the verdicts and writes the first overlay.
func (s *state) plan(ctx context.Context) error {
	gomod := s.ga.modfile
	if gomod == "" {
		gomod = s.env.GOMOD
	} else if !filepath.IsAbs(gomod) {
		gomod = filepath.Join(s.g.dir, gomod)
	}
	var err error
	if s.mod, err = planCoop(ctx, s.g, gomod, s.cfg.Source); err != nil {
		return err
	}
	s.modMode(gomod)
	if s.baseMod, err = s.writeMod(ctx, nil); err != nil {
		return err
	}

	var wg sync.WaitGroup
	var gerr, cerr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.gr, gerr = listGraph(ctx, s.g, s.cfg.Command == "test", s.listFlags(s.baseMod), s.ga.pkgs)
	}()
	go func() {
		defer wg.Done()
		s.coop, cerr = listCoop(ctx, s.g, s.listFlags(s.baseMod))
	}()
	wg.Wait()
	if err := errors.Join(gerr, cerr); err != nil {
		return err
	}
	if s.swaps, err = s.chooseSwaps(); err != nil {
		return err
	}
	s.decide()
	if err := s.mirror(); err != nil {
		return err
	}
	if s.finalMod, err = s.writeMod(ctx, append(s.requires(), s.replaces()...)); err != nil {
		return err
	}
	s.planInjections()
	return nil
}

// modMode makes the patched build's go commands run with -mod=mod, unless
// a -mod flag (or GOFLAGS) says otherwise. The go.mod they read is coop's
// own, made for the build, which the go command may then bring up to date
// (a module the user's go.mod lists at a lower version than coop's
// requirements select, a go.sum line): the user's go.mod is never touched.
// A module that vendors its dependencies is built from the module cache
// then: the patched build's go.mod and mirrors cannot match
// vendor/modules.txt.
func (s *state) modMode(gomod string) {
	for _, f := range s.ga.build {
		if strings.HasPrefix(f, "-mod=") {
			return
		}
	}
	if strings.Contains(s.env.GOFLAGS, "-mod=") {
		return
	}
	s.ga.build = append(s.ga.build, "-mod=mod")
	s.ga.flags = append(s.ga.flags, "-mod=mod")
	if _, err := os.Stat(filepath.Join(filepath.Dir(gomod), "vendor", "modules.txt")); err == nil {
		fmt.Fprintln(s.cfg.Stderr, "coop: the module vendors its dependencies: the patched build uses the module cache instead")
	}
}

// writeMod writes the go.mod of the patched build, with extra edits, into
// the cache, under a name made of everything it depends on.
func (s *state) writeMod(ctx context.Context, extra []string) (string, error) {
	parts := []string{"mod-v1", s.mod.base}
	for _, f := range append([]string{s.mod.base}, s.mod.sums...) {
		b, _ := os.ReadFile(f)
		parts = append(parts, string(b))
	}
	parts = append(append(append(parts, s.mod.edits...), s.mod.extraSums...), extra...)
	dir := filepath.Join(s.cache.dir, "mod", hashKey(parts...))
	if _, err := os.Stat(filepath.Join(dir, "go.sum")); err == nil {
		return filepath.Join(dir, "go.mod"), nil
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.cache.dir), ".tmp-mod-*")
	if err != nil {
		if err := os.MkdirAll(s.cache.dir, 0o755); err != nil {
			return "", err
		}
		if tmp, err = os.MkdirTemp(s.cache.dir, ".tmp-mod-*"); err != nil {
			return "", err
		}
	}
	defer os.RemoveAll(tmp)
	if _, err := s.mod.write(ctx, s.g, tmp, extra); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "go.sum")); serr != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "go.mod"), nil
}

// chooseSwaps returns the swaps of this build: those -swap names (every
// one by default) that the coop module in use has.
func (s *state) chooseSwaps() (Swaps, error) {
	sw := Swaps{}
	for _, x := range Table {
		if s.coop.has[x.Coop] {
			sw[x.Std] = x
		} else if !x.Optional {
			return nil, fmt.Errorf("coop: the coop module this build uses has no package %s: is it older than this coop command?", x.Coop)
		}
	}
	if s.cfg.Swap == nil {
		return sw, nil
	}
	only := Swaps{}
	for _, std := range s.cfg.Swap {
		x, ok := sw[std]
		if !ok {
			return nil, fmt.Errorf("coop: -swap: coop has no drop-in for %q here (it has %s)", std, strings.Join(sw.Paths(), ", "))
		}
		only[std] = x
	}
	return only, nil
}

// decide gives each unit its first verdict.
func (s *state) decide() {
	for _, path := range s.gr.order {
		u := s.gr.units[path]
		for _, imp := range u.imports {
			if _, ok := s.swaps[imp]; ok {
				u.swapped = append(u.swapped, imp)
			}
		}
		slices.SortFunc(u.swapped, func(a, b string) int { return tableIndex(a) - tableIndex(b) })
		switch {
		case u.std:
			u.verdict = vStd
		case u.module != nil && u.module.Path == CoopModule || strings.HasPrefix(path, CoopModule+"/"):
			u.verdict = vCoop
		case len(u.swapped) == 0:
			u.verdict = vNone
		case s.coop.deps[path]:
			u.verdict, u.reason = vLeft, coopDepReason+": swapped, it would import them, an import cycle"
		default:
			u.verdict = vSwapped
			if pat, ok := s.cfg.Skip.Match(path); ok {
				u.verdict, u.reason = vSkipped, "-skip "+pat
			} else if _, ok := s.cfg.Only.Match(path); !s.cfg.Only.Empty() && !ok {
				u.verdict, u.reason = vSkipped, "not in -only "+s.cfg.Only.String()
			}
		}
	}
}

func tableIndex(std string) int {
	return slices.IndexFunc(Table, func(x Swap) bool { return x.Std == std })
}

// inModCache reports whether dir is in the module cache, where the go
// command takes no overlay.
func (s *state) inModCache(dir string) bool {
	mc := s.env.GOMODCACHE
	return mc != "" && (dir == mc || strings.HasPrefix(dir, mc+string(filepath.Separator)))
}

// mirror makes a mirror of each module-cache module with a unit that may
// have files in the overlay: a swapped one, or a main package coop adds
// its start-up file to.
func (s *state) mirror() error {
	s.mirrors, s.mirrorOf = map[string]string{}, map[string]string{}
	for _, path := range s.gr.order {
		u := s.gr.units[path]
		if u.module == nil || !s.inModCache(u.module.Dir) || (u.verdict != vSwapped && !s.wantsInjection(u)) {
			continue
		}
		if _, ok := s.mirrors[u.module.Dir]; ok {
			continue
		}
		content := u.module
		if content.Replace != nil {
			content = content.Replace
		}
		m := *content
		m.Dir = u.module.Dir
		root, err := s.cache.mirror(&m)
		if err != nil {
			return err
		}
		s.mirrors[u.module.Dir] = root
		s.mirrorOf[root] = m.Path + "@" + m.Version
	}
	return nil
}

// requires returns the go mod edit flags that require the modules coop's
// drop-ins import from, at the versions the build selects: a main module
// at go 1.17 or later must list every module that provides a package it
// imports, even indirectly, and once swapped it imports the drop-ins.
func (s *state) requires() []string {
	var out []string
	for path, version := range s.coop.modules {
		if !slices.Contains(s.mod.required, path) {
			out = append(out, "-require="+path+"@"+version)
		}
	}
	slices.Sort(out)
	return out
}

// replaces returns the go mod edit flags that point the mirrored modules'
// versions at their mirrors.
func (s *state) replaces() []string {
	var out []string
	for _, path := range s.gr.order {
		u := s.gr.units[path]
		if u.module == nil {
			continue
		}
		if root, ok := s.mirrors[u.module.Dir]; ok {
			flag := "-replace=" + u.module.Path + "@" + u.module.Version + "=" + root
			if !slices.Contains(out, flag) {
				out = append(out, flag)
			}
		}
	}
	return out
}

// target returns where the patched build finds file, a file of u: in its
// module's mirror if it has one.
func (s *state) target(u *unit, file string) string {
	if u.module == nil {
		return file
	}
	root, ok := s.mirrors[u.module.Dir]
	if !ok {
		return file
	}
	rel, err := filepath.Rel(u.module.Dir, file)
	if err != nil {
		return file
	}
	return filepath.Join(root, rel)
}

// wantsInjection reports whether coop adds its start-up file to u.
func (s *state) wantsInjection(u *unit) bool {
	if !u.root || u.std || u.verdict == vCoop || s.coop.deps[u.path] {
		return false
	}
	if s.cfg.Command == "test" {
		if strings.HasSuffix(u.name, "_test") {
			return false // the file goes to the package itself
		}
		return slices.ContainsFunc(u.files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	}
	return u.name == "main"
}

// planInjections picks the file coop adds to each unit that gets one.
func (s *state) planInjections() {
	s.inject = map[string]string{}
	for _, path := range s.gr.order {
		u := s.gr.units[path]
		if !s.wantsInjection(u) || len(u.files) == 0 {
			continue
		}
		name := mainFile
		if s.cfg.Command == "test" {
			name = testFile
		}
		file := filepath.Join(u.dir, name)
		if _, err := os.Lstat(file); err == nil {
			continue // a file of that name is on disk: leave the package alone
		}
		s.inject[path] = s.target(u, file)
	}
}

// An overlayFile is the content of one file in the overlay, and where the
// cache keeps it if it is there already.
type overlayFile struct {
	data   []byte
	stored string
}

// overlayOf returns the overlay entries of u as its verdict and injection
// now stand, by target path.
func (s *state) overlayOf(u *unit) (map[string]overlayFile, error) {
	inj, injected := s.inject[u.path]
	if u.verdict != vSwapped && !injected {
		return nil, nil
	}
	out := map[string]overlayFile{}
	renamed := false
	for _, f := range u.files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		file := overlayFile{data: src}
		changed := false
		if u.verdict == vSwapped {
			if file, changed, err = s.rewrite(f, src); err != nil {
				continue // it does not parse: the go command will say so
			}
		}
		if injected && s.cfg.Command != "test" && !renamed && !strings.HasSuffix(f, "_test.go") {
			if b, ok, err := renameMain(f, file.data, userMainName); err == nil && ok {
				file = overlayFile{data: b}
				renamed, changed = true, true
			}
		}
		if changed {
			out[s.target(u, f)] = file
		}
	}
	if injected {
		if s.cfg.Command == "test" {
			out[inj] = overlayFile{data: render(testTemplate, u.name)}
		} else if renamed {
			out[inj] = overlayFile{data: render(mainTemplate, "main")}
		}
	}
	return out, nil
}

// rewrite returns src, the content of file, rewritten, and whether the
// rewrite changed it. The cache keeps rewritten files by the hash of the
// original and the swaps, so that an unchanged file is not rewritten again.
func (s *state) rewrite(file string, src []byte) (overlayFile, bool, error) {
	key := hashKey("rewrite-v1", strings.Join(s.swapKey(), ","), string(src))
	if p, ok := s.cache.lookup("files", key, ".go"); ok {
		b, err := os.ReadFile(p)
		return overlayFile{data: b, stored: p}, true, err
	}
	b, swapped, err := RewriteImports(file, src, s.swaps)
	if err != nil || len(swapped) == 0 {
		return overlayFile{data: src}, false, err
	}
	p, err := s.cache.put("files", key, ".go", b)
	if err != nil {
		return overlayFile{}, false, err
	}
	return overlayFile{data: b, stored: p}, true, nil
}

func (s *state) swapKey() []string {
	var out []string
	for _, std := range s.swaps.Paths() {
		out = append(out, std+"="+s.swaps[std].Coop)
	}
	return out
}

// writeOverlay writes the overlay of the build as it now stands and
// returns its path.
func (s *state) writeOverlay() (string, error) {
	replace := map[string]string{}
	s.shown = map[string]string{}
	for _, path := range s.gr.order {
		u := s.gr.units[path]
		files, err := s.overlayOf(u)
		if err != nil {
			return "", err
		}
		for target, file := range files {
			p := file.stored
			if p == "" {
				if p, err = s.cache.put("files", hashKey("file", string(file.data)), filepath.Ext(target), file.data); err != nil {
					return "", err
				}
			}
			replace[target] = p
			s.shown[p] = s.show(target)
		}
	}
	data, err := json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
	if err != nil {
		return "", err
	}
	return s.cache.put("overlay", hashKey("overlay", string(data)), ".json", data)
}

// show returns how messages name file, a file of the build: relative to
// the directory coop runs in if it is below it, as module@version/file if
// it is in a mirror.
func (s *state) show(file string) string {
	for root, mod := range s.mirrorOf {
		if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
			return mod + "/" + filepath.ToSlash(rel)
		}
	}
	dir, err := filepath.Abs(s.g.dir)
	if err != nil {
		return file
	}
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}

// build returns the prepared build.
func (s *state) build() *Build {
	b := &Build{Overlay: s.overlay, Modfile: s.finalMod, cfg: s.cfg, ga: s.ga, g: s.g, s: s}
	for _, path := range s.gr.order {
		u := s.gr.units[path]
		b.Report = append(b.Report, Verdict{Path: u.path, Verdict: u.verdict.String(), Swapped: u.swapped, Reason: u.reason})
		if inj, ok := s.inject[path]; ok && s.cfg.Command == "run" && slices.ContainsFunc(s.ga.pkgs, func(p string) bool { return strings.HasSuffix(p, ".go") }) {
			b.files = append(b.files, inj)
		}
	}
	return b
}
