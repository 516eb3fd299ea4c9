package patch

import (
	"fmt"
	"strings"
)

// A flagSpec says how the go command parses one of its flags.
type flagSpec struct {
	value bool // takes a value: -tags x, -tags=x
	build bool // shapes the build, so go list and the compile check get it too
}

// buildFlags are the flags go build, go run and go test share ("go help
// build"), but for -C, -modfile and -overlay, which coop handles itself.
var buildFlags = map[string]flagSpec{
	"a": {}, "n": {}, "v": {}, "work": {}, "x": {}, "json": {},
	"p":    {value: true, build: true},
	"race": {build: true}, "msan": {build: true}, "asan": {build: true},
	"cover": {build: true}, "covermode": {value: true, build: true}, "coverpkg": {value: true, build: true},
	"asmflags": {value: true, build: true}, "buildmode": {value: true, build: true},
	"buildvcs": {build: true}, "compiler": {value: true, build: true},
	"gccgoflags": {value: true, build: true}, "gcflags": {value: true, build: true},
	"installsuffix": {value: true, build: true}, "ldflags": {value: true, build: true},
	"linkshared": {build: true}, "mod": {value: true, build: true}, "modcacherw": {build: true},
	"pgo": {value: true, build: true}, "pkgdir": {value: true, build: true},
	"tags": {value: true, build: true}, "trimpath": {build: true}, "toolexec": {value: true, build: true},
}

// commandFlags are the flags of one subcommand beyond the build flags.
var commandFlags = map[string]map[string]flagSpec{
	"build": {"o": {value: true}},
	"run":   {"exec": {value: true}},
	"test": {
		"c": {}, "o": {value: true}, "exec": {value: true}, "i": {},
		"artifacts": {}, "bench": {value: true}, "benchtime": {value: true}, "count": {value: true},
		"cpu": {value: true}, "failfast": {}, "fullpath": {}, "fuzz": {value: true},
		"fuzztime": {value: true}, "fuzzminimizetime": {value: true}, "list": {value: true},
		"outputdir": {value: true}, "parallel": {value: true}, "run": {value: true}, "short": {},
		"shuffle": {value: true}, "skip": {value: true}, "timeout": {value: true}, "vet": {value: true},
		"benchmem": {}, "blockprofile": {value: true}, "blockprofilerate": {value: true},
		"coverprofile": {value: true}, "cpuprofile": {value: true}, "memprofile": {value: true},
		"memprofilerate": {value: true}, "mutexprofile": {value: true},
		"mutexprofilefraction": {value: true}, "trace": {value: true},
	},
}

// goArgs is a go command line taken apart.
type goArgs struct {
	dir     string   // -C, "" for none
	modfile string   // the user's -modfile, "" for none
	build   []string // the flags that shape the build, as -name=value
	flags   []string // every go flag in order (but -C and -modfile), as -name=value
	pkgs    []string // packages, or .go files
	rest    []string // run: the program's arguments; test: what goes to the test binary
}

// parseGoArgs takes apart the arguments of go build, go run or go test
// (cmd), as the go command would: flags, then packages (for test, more
// flags may follow them); for run, what follows the package (or the .go
// files) is the program's; for test, a flag go test does not know and
// everything after it, and -args and everything after it, are the test
// binary's.
func parseGoArgs(cmd string, args []string) (goArgs, error) {
	var ga goArgs
	extra := commandFlags[cmd]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			ga.pkgs = append(ga.pkgs, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if cmd == "run" {
				// The package, or a list of .go files, then the program's arguments.
				j := i + 1
				if strings.HasSuffix(a, ".go") {
					for j < len(args) && strings.HasSuffix(args[j], ".go") {
						j++
					}
				}
				ga.pkgs = append(ga.pkgs, args[i:j]...)
				ga.rest = append(ga.rest, args[j:]...)
				break
			}
			ga.pkgs = append(ga.pkgs, a)
			continue
		}
		if cmd == "test" && a == "-args" {
			ga.rest = append(ga.rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		spec, known := buildFlags[name]
		if !known {
			spec, known = extra[name]
		}
		switch name {
		case "C", "modfile":
			spec, known = flagSpec{value: true}, true
		case "overlay":
			return ga, fmt.Errorf("coop: -overlay is how coop hands the go command its rewritten files; it cannot take one of yours")
		}
		if !known {
			if cmd == "test" {
				ga.rest = append(ga.rest, args[i:]...)
				break
			}
			return ga, fmt.Errorf("coop: go %s has no flag %s", cmd, a)
		}
		if spec.value && !hasValue {
			if i+1 >= len(args) {
				return ga, fmt.Errorf("coop: flag -%s needs a value", name)
			}
			i++
			value, hasValue = args[i], true
		}
		flag := "-" + name
		if hasValue {
			flag += "=" + value
		}
		switch name {
		case "C":
			if len(ga.flags) > 0 || ga.dir != "" {
				return ga, fmt.Errorf("coop: -C must be the first go flag")
			}
			ga.dir = value
			continue
		case "modfile":
			ga.modfile = value
			continue
		}
		ga.flags = append(ga.flags, flag)
		if spec.build {
			ga.build = append(ga.build, flag)
		}
	}
	return ga, nil
}
