package patch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// A Source says which coop module a patched build uses: a checkout of it
// on disk (Dir) or a released version fetched through the module proxy
// (Version). The zero Source means: the one the program's module already
// requires, else the one the coop command was built from.
type Source struct {
	Dir     string
	Version string
}

// ParseSource reads a -coop flag: a directory (a checkout of coop), or a
// version of the module ("v1.2.0", "latest", a pseudo-version).
func ParseSource(s string) (Source, error) {
	switch {
	case s == "":
		return Source{}, nil
	case strings.HasPrefix(s, "v") && !strings.ContainsAny(s, `/\`), s == "latest":
		return Source{Version: s}, nil
	}
	dir, err := filepath.Abs(s)
	if err != nil {
		return Source{}, err
	}
	if err := checkCoopDir(dir); err != nil {
		return Source{}, err
	}
	return Source{Dir: dir}, nil
}

// checkCoopDir reports an error unless dir holds coop's go.mod.
func checkCoopDir(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return fmt.Errorf("coop: %s is not a checkout of %s: %v", dir, CoopModule, err)
	}
	if modulePath(b) != CoopModule {
		return fmt.Errorf("coop: %s is not a checkout of %s: its go.mod says module %q", dir, CoopModule, modulePath(b))
	}
	return nil
}

// modulePath returns the module path a go.mod declares.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// SelfSource returns the coop module the running coop command was built
// from: its version when it was built as a released module
// (go install github.com/coop-go/coop/cmd/coop@v1.2.0, go run ...@v1.2.0),
// or the checkout it was built in, found from the path of its source
// files (go run ./cmd/coop in a checkout, go build without -trimpath).
func SelfSource() (Source, bool) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		mods := append([]*debug.Module{&bi.Main}, bi.Deps...)
		for _, m := range mods {
			if m.Path != CoopModule {
				continue
			}
			if r := m.Replace; r != nil {
				if filepath.IsAbs(r.Path) && checkCoopDir(r.Path) == nil {
					return Source{Dir: r.Path}, true
				}
				if r.Version != "" {
					m = r
				}
			}
			if m.Version != "" && m.Version != "(devel)" {
				return Source{Version: m.Version}, true
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(filepath.Dir(filepath.Dir(file))) // internal/patch/module.go
		if checkCoopDir(dir) == nil {
			return Source{Dir: dir}, true
		}
	}
	return Source{}, false
}

// modEdit is what coop reads of go mod edit -json.
type modEdit struct {
	Module  struct{ Path string }
	Go      string
	Require []struct {
		Path, Version string
	}
	Replace []struct {
		Old, New struct{ Path, Version string }
	}
}

func readModEdit(ctx context.Context, g *goRunner, gomod string) (*modEdit, error) {
	out, err := g.output(ctx, "mod", "edit", "-json", gomod)
	if err != nil {
		return nil, err
	}
	var me modEdit
	if err := json.Unmarshal(out, &me); err != nil {
		return nil, fmt.Errorf("coop: reading %s: %v", gomod, err)
	}
	return &me, nil
}

// sumPath returns the go.sum that goes with a go.mod, as -modfile has it.
func sumPath(gomod string) string {
	return strings.TrimSuffix(gomod, ".mod") + ".sum"
}

// devVersion is the version a replaced coop checkout is required at.
const devVersion = "v0.0.0-00010101000000-000000000000"

// modfilePlan is how the patched build's go.mod differs from the user's.
type modfilePlan struct {
	base      string   // the user's go.mod (or -modfile)
	edits     []string // go mod edit flags
	sums      []string // go.sum files whose lines are added
	extraSums []string // and go.sum lines of their own
	coopDir   string   // the coop module's directory, once known
	requires  bool     // the user's module already requires coop
	required  []string // the module paths the user's go.mod requires
}

// planCoop works out how the patched build gets the coop module: the
// user's module may require it already; otherwise src says which, and the
// plan adds it (with the sums of its own go.sum, so that nothing needs
// the network but a -coop version's download).
func planCoop(ctx context.Context, g *goRunner, gomod string, src Source) (*modfilePlan, error) {
	me, err := readModEdit(ctx, g, gomod)
	if err != nil {
		return nil, err
	}
	plan := &modfilePlan{base: gomod, sums: []string{sumPath(gomod)}}
	if me.Module.Path == CoopModule {
		return nil, errors.New("coop: this is coop's own module, whose packages coop never patches")
	}
	for _, r := range me.Require {
		plan.requires = plan.requires || r.Path == CoopModule
		plan.required = append(plan.required, r.Path)
	}
	if src == (Source{}) {
		if plan.requires {
			return plan, nil
		}
		self, ok := SelfSource()
		if !ok {
			return nil, fmt.Errorf("coop: the module does not require %s, and this coop command cannot tell which coop it was built from: pass -coop=DIR (a checkout) or -coop=VERSION", CoopModule)
		}
		src = self
	}
	for _, r := range me.Replace {
		if r.Old.Path == CoopModule {
			old := r.Old.Path
			if r.Old.Version != "" {
				old += "@" + r.Old.Version
			}
			plan.edits = append(plan.edits, "-dropreplace="+old)
		}
	}
	dir := src.Dir
	if dir == "" {
		out, err := g.output(ctx, "mod", "download", "-json", CoopModule+"@"+src.Version)
		if err != nil {
			return nil, err
		}
		var dl struct {
			Version, Dir, Sum, GoModSum, Error string
		}
		if err := json.Unmarshal(out, &dl); err != nil || dl.Error != "" {
			return nil, fmt.Errorf("coop: downloading %s@%s: %v%s", CoopModule, src.Version, err, dl.Error)
		}
		dir = dl.Dir
		plan.edits = append(plan.edits, "-require="+CoopModule+"@"+dl.Version)
		plan.extraSums = append(plan.extraSums,
			CoopModule+" "+dl.Version+" "+dl.Sum,
			CoopModule+" "+dl.Version+"/go.mod "+dl.GoModSum)
	} else {
		plan.edits = append(plan.edits, "-require="+CoopModule+"@"+devVersion, "-replace="+CoopModule+"="+dir)
	}
	plan.coopDir = dir
	plan.sums = append(plan.sums, filepath.Join(dir, "go.sum"))
	coopMod, err := readModEdit(ctx, g, filepath.Join(dir, "go.mod"))
	if err != nil {
		return nil, err
	}
	if version.Compare("go"+coopMod.Go, "go"+me.Go) > 0 {
		plan.edits = append(plan.edits, "-go="+coopMod.Go)
	}
	return plan, nil
}

// write writes the patched build's go.mod and go.sum into dir, with the
// plan's edits and extra, and returns the go.mod's path.
func (p *modfilePlan) write(ctx context.Context, g *goRunner, dir string, extra []string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gomod := filepath.Join(dir, "go.mod")
	b, err := os.ReadFile(p.base)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(gomod, b, 0o644); err != nil {
		return "", err
	}
	if edits := append(slices.Clip(p.edits), extra...); len(edits) > 0 {
		if _, err := g.output(ctx, append(append([]string{"mod", "edit"}, edits...), gomod)...); err != nil {
			return "", err
		}
	}
	var lines []string
	seen := map[string]bool{}
	for _, f := range p.sums {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !seen[l] {
				seen[l] = true
				lines = append(lines, l)
			}
		}
	}
	for _, l := range p.extraSums {
		if !seen[l] {
			seen[l] = true
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	sum := strings.Join(lines, "\n")
	if sum != "" {
		sum += "\n"
	}
	return gomod, os.WriteFile(sumPath(gomod), []byte(sum), 0o644)
}
