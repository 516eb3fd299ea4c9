package patch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkBuild measures the build of testdata/midsize, a small service
// on go-redis, gorilla/websocket and Prometheus's client (66 packages
// outside the standard library, 263 in all), by go build (impl=go) and by
// coop build (impl=coop), with the go build cache and coop's cache:
//
//	cache=cold  both empty (the module cache is warm: no download is timed)
//	cache=warm  nothing changed since the last build
//	cache=edit  main.go changed since the last build
//
// Run it with -benchtime=1x: a cold build takes most of a minute. The
// warm and edit cases share one go build cache, warmed by an untimed
// build.
func BenchmarkBuild(b *testing.B) {
	for _, cache := range []string{"cold", "warm", "edit"} {
		for _, impl := range []string{"go", "coop"} {
			b.Run("cache="+cache+"/impl="+impl, func(b *testing.B) {
				dir := b.TempDir()
				copyTree(b, "testdata/midsize", dir)
				gocache, coopCache := b.TempDir(), b.TempDir()
				if cache != "cold" { // a go build cache the warm builds of every run share
					gocache = filepath.Join(testCache(b), "gocache")
				}
				bin := filepath.Join(b.TempDir(), "midsize")
				build := func() {
					b.Helper()
					env := append(testEnv(), "GOCACHE="+gocache)
					if impl == "go" {
						cmd := exec.Command("go", "build", "-o", bin, ".")
						cmd.Dir, cmd.Env = dir, env
						if out, err := cmd.CombinedOutput(); err != nil {
							b.Fatalf("go build: %v\n%s", err, out)
						}
						return
					}
					var out, errs bytes.Buffer
					cfg := Config{Command: "build", Args: []string{"-o", bin, "."}, Dir: dir, Env: env,
						Stdout: &out, Stderr: &errs, Source: Source{Dir: coopRoot(b)}, Cache: coopCache}
					if code, err := Run(context.Background(), cfg); err != nil || code != 0 {
						b.Fatalf("coop build = %d, %v\n%s", code, err, &errs)
					}
				}
				if cache != "cold" {
					build()
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					switch cache {
					case "cold":
						for _, d := range []string{gocache, coopCache} {
							os.RemoveAll(d)
							os.MkdirAll(d, 0o755)
						}
					case "edit":
						main := filepath.Join(dir, "main.go")
						src := readFile(b, main)
						writeFile(b, main, src+fmt.Sprintf("\n// edit %d\n", i))
					}
					b.StartTimer()
					build()
				}
			})
		}
	}
}
