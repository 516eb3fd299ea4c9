package patch

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// settle checks that the patched build compiles, with go list -export,
// which compiles every package of it (the test variants too, for test)
// without linking, into the go build cache that the build proper then
// finds warm. A swapped package that does not compile is left as it was,
// with the compiler's message as the reason. A package that is not
// swapped but no longer compiles, with a message that names a drop-in's
// type (it hands what a swapped import returns to code that wants the
// standard type), gets the swapped imports the message names left instead
// (every swapped import, if it names none); a message that names no
// drop-in is the package's own error. A start-up file coop added that
// does not compile is taken out. Then it checks again, until the build
// compiles or fails only with errors of the program's own, which are the
// go command's to report.
//
// The verdicts are kept in the cache twice. Under a key made of
// everything they depend on (the overlay, the go.mod and go.sum, the
// flags, the environment, and the size and time of every file outside the
// module cache, coop's own among them), a second build of an unchanged
// program finds them and makes no check. Under a key of the program alone
// (its directory, the command, packages and flags, the swaps, -only and
// -skip, the coop module and its files), a build after an edit finds the
// last verdicts, each with the fingerprint of the package it left (its
// module version, or its files' sizes and times), and takes those whose
// package is unchanged as a first guess. Then build and run make no check
// at all: they build at once, and check only if the build fails in a way
// coop may have caused (see Build.Exec); test checks, from the guess.
func (s *state) settle(ctx context.Context) error {
	var err error
	if s.overlay, err = s.writeOverlay(); err != nil {
		return err
	}
	if s.settledKey, err = s.settleKey(); err != nil {
		return err
	}
	if rec, ok := s.readRecord("settled", s.settledKey); ok {
		s.apply(rec, false)
		s.rec = rec
		s.overlay, err = s.writeOverlay()
		return err
	}
	if rec, ok := s.readRecord("last", s.lastKey()); ok {
		s.apply(rec, true)
		if s.overlay, err = s.writeOverlay(); err != nil {
			return err
		}
		s.rec = s.guessRecord()
		if s.cfg.Command != "test" {
			s.optimistic = true
			return nil
		}
	}
	return s.check(ctx)
}

// check runs the compile check from the verdicts as they stand, and keeps
// its verdicts.
func (s *state) check(ctx context.Context) error {
	for round := 0; ; round++ {
		args := []string{"list", "-e", "-export", "-deps", "-json=ImportPath,Error,Export"}
		if s.cfg.Command == "test" {
			args = append(args, "-test")
		}
		args = append(append(append(args, "-overlay="+s.overlay), s.listFlags(s.finalMod)...), s.pkgArgs()...)
		out, err := s.g.output(ctx, args...)
		if err != nil {
			return err
		}
		changed := false
		err = decodeStream(out, func(p *listPackage) {
			if p.Error != nil && s.judge(p, &s.rec) {
				changed = true
			}
		})
		if err != nil {
			return err
		}
		if !changed {
			break
		}
		if round > len(s.gr.units) {
			return fmt.Errorf("coop: internal error: the compile check does not settle")
		}
		if s.overlay, err = s.writeOverlay(); err != nil {
			return err
		}
	}
	return s.keep()
}

// keep stores the verdicts as they stand under both keys.
func (s *state) keep() error {
	b, err := json.Marshal(s.rec)
	if err != nil {
		return err
	}
	if _, err := s.cache.put("settled", s.settledKey, ".json", b); err != nil {
		return err
	}
	return writeAtomic(s.cache.path("last", s.lastKey(), ".json"), b)
}

// readRecord returns the record of kind under key, if the cache has one.
func (s *state) readRecord(kind, key string) (settleRecord, bool) {
	var rec settleRecord
	b, ok := s.cache.read(kind, key, ".json")
	return rec, ok && json.Unmarshal(b, &rec) == nil
}

// guessRecord returns the record of the verdicts a guess gave: the
// packages it left, and the start-up files it took out.
func (s *state) guessRecord() settleRecord {
	var rec settleRecord
	for _, path := range s.gr.order {
		if u := s.gr.units[path]; u.verdict == vLeft && !strings.HasPrefix(u.reason, coopDepReason) {
			rec.Left = append(rec.Left, leftRecord{Path: u.path, Reason: u.reason, Fingerprint: s.fingerprint(u)})
		}
	}
	rec.NoInject = slices.Clone(s.noInject)
	return rec
}

// settleRecord is what the compile check decided.
type settleRecord struct {
	Left     []leftRecord // packages left as they were, in the order it left them
	NoInject []string     // packages whose start-up file was taken out
}

type leftRecord struct {
	Path, Reason string
	Fingerprint  string // of the package when it was left
}

// apply applies rec's verdicts; a guess applies only those whose package
// is unchanged since.
func (s *state) apply(rec settleRecord, guess bool) {
	for _, l := range rec.Left {
		if u := s.gr.units[l.Path]; u != nil && u.verdict == vSwapped && (!guess || l.Fingerprint == s.fingerprint(u)) {
			u.verdict, u.reason = vLeft, l.Reason
		}
	}
	for _, p := range rec.NoInject {
		if _, ok := s.inject[p]; ok {
			delete(s.inject, p)
			s.noInject = append(s.noInject, p)
		}
	}
}

// fingerprint identifies the content of u: its module version if it is in
// the module cache, else the names, sizes and times of its files.
func (s *state) fingerprint(u *unit) string {
	if u.module != nil && s.inModCache(u.module.Dir) {
		return u.module.Path + "@" + u.module.Version
	}
	parts := []string{"files"}
	for _, f := range u.files {
		if fi, err := os.Stat(f); err == nil {
			parts = append(parts, fmt.Sprintf("%s %d %d", f, fi.Size(), fi.ModTime().UnixNano()))
		}
	}
	return hashKey(parts...)
}

// lastKey returns the key of the program's last verdicts.
func (s *state) lastKey() string {
	dir, _ := filepath.Abs(s.g.dir)
	return hashKey("last-v1", dir, s.cfg.Command, strings.Join(s.ga.pkgs, "\x00"), strings.Join(s.ga.build, "\x00"),
		strings.Join(s.swapKey(), ","), s.cfg.Only.String(), s.cfg.Skip.String(), s.mod.coopDir, s.coopFingerprint())
}

// coopFingerprint identifies the drop-ins' code: the names, sizes and
// times of the files of coop's packages they are made of, so that a
// change to coop (a checkout being worked on) is a change to the build.
func (s *state) coopFingerprint() string {
	parts := []string{"coop"}
	for _, f := range s.coop.files {
		if fi, err := os.Stat(f); err == nil && !s.inModCache(f) {
			parts = append(parts, fmt.Sprintf("%s %d %d", f, fi.Size(), fi.ModTime().UnixNano()))
		}
	}
	return hashKey(parts...)
}

// judge acts on one package's error in the compile check and reports
// whether it changed the build.
func (s *state) judge(p *listPackage, rec *settleRecord) bool {
	msg := p.Error.Err
	path := basePath(p.ImportPath)
	u := s.gr.units[path]
	cycle := strings.Contains(msg, "import cycle not allowed")
	if u == nil || !cycle && !strings.HasPrefix(msg, "# ") {
		return false // not a compile error, or not of a package coop touched
	}
	leave := func(v *unit, reason string) {
		v.verdict, v.reason = vLeft, reason
		rec.Left = append(rec.Left, leftRecord{Path: v.path, Reason: reason, Fingerprint: s.fingerprint(v)})
	}
	if _, ok := s.inject[path]; ok && isInjected(msg) {
		delete(s.inject, path)
		s.noInject = append(s.noInject, path)
		rec.NoInject = append(rec.NoInject, path)
		fmt.Fprintf(s.cfg.Stderr, "coop: the start-up code coop adds to %s does not compile there, so it has none:\n%s\n", path, s.message(msg))
		return true
	}
	if cycle {
		changed := false
		for _, sp := range p.Error.ImportStack {
			if v := s.gr.units[basePath(sp)]; v != nil && v.verdict == vSwapped {
				leave(v, "swapped, it would make an import cycle: "+strings.Join(p.Error.ImportStack, " -> "))
				changed = true
			}
		}
		return changed
	}
	if u.verdict == vSwapped {
		leave(u, "does not compile swapped: "+s.message(msg))
		return true
	}
	// u was not swapped, yet no longer compiles. If the message names a
	// drop-in's type, a swapped import gives u one where u wants the
	// standard type: leave that import (those the message names, or every
	// swapped one). Otherwise the error is u's own.
	if !s.namesDropIn(msg) {
		return false
	}
	var swapped, named []*unit
	for _, imp := range u.imports {
		if v := s.gr.units[imp]; v != nil && v.verdict == vSwapped {
			swapped = append(swapped, v)
			if strings.Contains(msg, v.name+".") {
				named = append(named, v)
			}
		}
	}
	if len(named) > 0 {
		swapped = named
	}
	for _, v := range swapped {
		leave(v, fmt.Sprintf("%s, which is %s, does not compile with it swapped: %s", u.path, u.verdict, s.message(msg)))
	}
	return len(swapped) > 0
}

// namesDropIn reports whether a compiler message names a type of one of
// the drop-ins ("*httpx.Transport", "*netx.TCPConn").
func (s *state) namesDropIn(msg string) bool {
	for _, sw := range s.swaps {
		if strings.Contains(msg, sw.Coop[strings.LastIndex(sw.Coop, "/")+1:]+".") {
			return true
		}
	}
	return false
}

// message returns a compiler message without its "# package" line, its
// paths in mirrors written as module@version/file, at most ten lines.
func (s *state) message(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		lines = lines[1:]
	}
	if len(lines) > 10 {
		lines = append(lines[:10], "...")
	}
	out := strings.Join(lines, "\n")
	dir, _ := filepath.Abs(s.g.dir)
	for stored, shown := range s.shown {
		out = strings.ReplaceAll(out, stored, shown)
		if rel, err := filepath.Rel(dir, stored); err == nil {
			out = strings.ReplaceAll(out, rel, shown) // the compiler's short form
		}
	}
	for root, mod := range s.mirrorOf {
		out = strings.ReplaceAll(out, root, mod)
	}
	return out
}

// pkgArgs returns the packages to build: those given, and for go run of
// .go files, the file coop added to them.
func (s *state) pkgArgs() []string {
	out := slices.Clone(s.ga.pkgs)
	if s.cfg.Command == "run" && slices.ContainsFunc(out, func(p string) bool { return strings.HasSuffix(p, ".go") }) {
		for _, f := range s.inject {
			out = append(out, f)
		}
	}
	return out
}

// settleKey returns the key of the compile check's verdicts.
func (s *state) settleKey() (string, error) {
	overlay, err := os.ReadFile(s.overlay)
	if err != nil {
		return "", err
	}
	mod, _ := os.ReadFile(s.finalMod)
	sum, _ := os.ReadFile(sumPath(s.finalMod))
	env, _ := json.Marshal(s.env)
	parts := []string{"settle-v1", s.cfg.Command, string(overlay), string(mod), string(sum), string(env),
		strings.Join(s.ga.build, "\x00"), strings.Join(s.pkgArgs(), "\x00"), s.g.dir}
	for _, path := range s.gr.order {
		u := s.gr.units[path]
		if u.std || u.module == nil || s.inModCache(u.module.Dir) {
			continue
		}
		for _, f := range u.files {
			fi, err := os.Stat(f)
			if err != nil {
				return "", err
			}
			parts = append(parts, fmt.Sprintf("%s %d %d", f, fi.Size(), fi.ModTime().UnixNano()))
		}
	}
	parts = append(parts, s.coopFingerprint())
	return hashKey(parts...), nil
}
