package goredis

import (
	"bufio"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var run = flag.Bool("goredis", false, "run go-redis's specs unswapped and swapped (needs redis-server and the Go module proxy)")

const (
	module  = "github.com/redis/go-redis/v9"
	version = "v9.23.0"

	// The standalone specs: those of these files, which need one
	// redis-server and no modules (RediSearch, JSON...), but for the
	// cluster races in race_test.go.
	focusFiles = `/(redis|pubsub|tx|pipeline|pool|race|iterator|commands|command)_test\.go`
	skip       = `cluster races`
)

// go-redis's specs, with net, time and crypto/tls swapped in its sources,
// pass and fail as they do unswapped, spec by spec.
func TestGoRedisSwapped(t *testing.T) {
	if !*run {
		t.Skip("needs -goredis (and redis-server)")
	}
	redisServer, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found (apt-get install -y redis-server)")
	}
	coop, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	src := download(t)
	tmp := t.TempDir()
	plain, swapped := filepath.Join(tmp, "plain"), filepath.Join(tmp, "ws", "go-redis")
	for _, dir := range []string{plain, swapped} {
		if err := copyTree(src, dir); err != nil {
			t.Fatal(err)
		}
	}
	n, err := swapTree(swapped)
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("swapped the imports of only %d files of %s@%s", n, module, version)
	}
	t.Logf("swapped the imports of %d files of %s@%s", n, module, version)
	work := filepath.Join(tmp, "ws", "go.work")
	goCmd(t, filepath.Dir(work), nil, "work", "init", swapped, coop)

	both := map[string]map[string]spec{}
	for _, r := range []struct{ name, dir, gowork string }{{"unswapped", plain, "off"}, {"swapped", swapped, work}} {
		both[r.name] = runSpecs(t, redisServer, r.dir, r.gowork, "", r.name)
	}
	plainRes, swappedRes := both["unswapped"], both["swapped"]
	differ := diff(plainRes, swappedRes)
	if len(differ) > 0 {
		// A spec may be flaky on a loaded machine: run the ones that
		// differ once more, both ways, before calling it.
		t.Logf("%d specs differ; running them again", len(differ))
		var locs []string
		for _, k := range differ {
			locs = append(locs, plainRes[k].loc)
		}
		focus := strings.Join(locs, ",")
		again := map[string]map[string]spec{}
		for _, r := range []struct{ name, dir, gowork string }{{"unswapped", plain, "off"}, {"swapped", swapped, work}} {
			again[r.name] = runSpecs(t, redisServer, r.dir, r.gowork, focus, r.name+"-again")
		}
		for _, k := range diff(again["unswapped"], again["swapped"]) {
			t.Errorf("%s: %s unswapped, %s swapped:\n%s", k, again["unswapped"][k].state, again["swapped"][k].state, again["swapped"][k].failure)
		}
	}
	passed, failed := count(plainRes)
	t.Logf("unswapped: %d passed, %d failed or panicked", passed, failed)
	sp, sf := count(swappedRes)
	t.Logf("swapped:   %d passed, %d failed or panicked", sp, sf)
	for k, s := range plainRes {
		if s.state != "passed" && s.state != "skipped" {
			t.Logf("fails unswapped too: %s (%s)", k, firstLine(s.failure))
		}
	}
	if passed < 400 {
		t.Errorf("only %d specs passed unswapped: the run did not go as planned", passed)
	}

	// The swapped library's blocking calls are the scheduler's: a BLPOP
	// that would wait forever, made with context.Background(), ends when
	// its task is killed.
	killer := filepath.Join(tmp, "ws", "killer")
	for name, content := range map[string]string{"go.mod": killerMod, "main.go": killerMain} {
		if err := os.MkdirAll(killer, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(killer, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd(t, filepath.Dir(work), nil, "work", "use", killer)
	port, _, stop := startRedis(t, redisServer)
	defer stop()
	out := goCmd(t, killer, []string{"GOWORK=" + work}, "run", ".", "127.0.0.1:"+port)
	t.Logf("%s", strings.TrimSpace(string(out)))
}

// The program that kills BLPOPs, in the swapped workspace (which provides
// coop, and go-redis's swapped copy).
const killerMod = `module example.com/killer

go 1.26.0

require github.com/redis/go-redis/v9 ` + version + `
`

const killerMain = `package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/redis/go-redis/v9"
)

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Args[1]})
	defer rdb.Close()
	s := iox.New()
	defer s.Close()
	var took []time.Duration
	for range 20 {
		tk := s.Go(func(context.Context) error {
			return rdb.BLPop(context.Background(), 0, "coop:never").Err()
		})
		for { // until the task waits in a read of its conn
			if st, ok := s.Snapshot().Task(tk.ID()); ok && st.State == iox.Blocked && st.Op == iox.OpRead {
				break
			}
			select {
			case <-tk.Done():
				fmt.Println("BLPOP ended before the kill:", tk.Err())
				os.Exit(1)
			case <-time.After(100 * time.Microsecond):
			}
		}
		start := time.Now()
		tk.Kill(nil)
		<-tk.Done()
		took = append(took, time.Since(start))
		if !errors.Is(tk.Err(), iox.ErrKilled) {
			fmt.Println("the killed BLPOP returned", tk.Err())
			os.Exit(1)
		}
	}
	slices.Sort(took)
	fmt.Printf("killed %d BLPOPs blocked forever: from Kill to the task's end %v median, %v to %v\n",
		len(took), took[len(took)/2], took[0], took[len(took)-1])
}
`

// download fetches go-redis through the module proxy and returns its
// directory in the module cache.
func download(t *testing.T) string {
	t.Helper()
	out := goCmd(t, t.TempDir(), nil, "mod", "download", "-json", module+"@"+version)
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Error != "" || info.Dir == "" {
		t.Fatalf("go mod download %s@%s: %v %s", module, version, err, info.Error)
	}
	return info.Dir
}

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// A spec is one spec's outcome.
type spec struct {
	state   string // passed, failed, panicked, skipped...
	loc     string // file:line of the spec, for -ginkgo.focus-file
	failure string
}

// runSpecs runs go-redis's standalone specs in dir (with GOWORK set to
// gowork) against a fresh redis-server, and returns their outcomes by
// name. focus, if set, is a -ginkgo.focus-file list of specs to run.
func runSpecs(t *testing.T, redisServer, dir, gowork, focus, name string) map[string]spec {
	t.Helper()
	port, version, stop := startRedis(t, redisServer)
	defer stop()
	report := filepath.Join(t.TempDir(), name+".json")
	if focus == "" {
		focus = focusFiles
	}
	cmd := exec.Command("go", "test", ".", "-count=1", "-run", "^TestGinkgoSuite$", "-timeout", "20m",
		"-ldflags=-X "+module+"_test.redisStackPort="+port,
		"-args", "-ginkgo.focus-file="+focus, "-ginkgo.skip="+skip, "-ginkgo.no-color", "-ginkgo.json-report="+report)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK="+gowork, "RE_CLUSTER=true", "REDIS_VERSION="+version)
	log, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	runErr := cmd.Run() // fails when a spec fails: the report says which
	b, err := os.ReadFile(report)
	if err != nil {
		tail, _ := os.ReadFile(log.Name())
		t.Fatalf("%s: go test: %v, no report: %v\n%s", name, runErr, err, lastLines(tail, 40))
	}
	var reports []struct {
		SpecReports []struct {
			ContainerHierarchyTexts []string
			LeafNodeText            string
			LeafNodeLocation        struct {
				FileName   string
				LineNumber int
			}
			State   string
			Failure struct{ Message string }
		}
	}
	if err := json.Unmarshal(b, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("%s: the report: %v", name, err)
	}
	out := map[string]spec{}
	for _, r := range reports[0].SpecReports {
		if r.LeafNodeText == "" {
			continue // a suite node (BeforeSuite...)
		}
		k := strings.Join(append(slices.Clone(r.ContainerHierarchyTexts), r.LeafNodeText), " ")
		loc := filepath.Base(r.LeafNodeLocation.FileName) + ":" + strconv.Itoa(r.LeafNodeLocation.LineNumber)
		out[k+" ("+loc+")"] = spec{r.State, loc, r.Failure.Message}
	}
	return out
}

// startRedis starts redis-server on an ephemeral port, with nothing
// saved, and returns the port, the server's version as "major.minor" and
// a function that stops it.
func startRedis(t *testing.T, redisServer string) (port, version string, stop func()) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		cmd := exec.Command(redisServer, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", t.TempDir(), "--enable-debug-command", "yes")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The log says when it listens, or why it cannot.
		lines := bufio.NewScanner(out)
		var seen []string
		ready := false
		for lines.Scan() {
			seen = append(seen, lines.Text())
			if version == "" {
				if m := versionRE.FindStringSubmatch(lines.Text()); m != nil {
					version = m[1]
				}
			}
			if strings.Contains(lines.Text(), "Ready to accept connections") {
				ready = true
				break
			}
		}
		if ready {
			go io.Copy(io.Discard, out)
			return port, version, func() { cmd.Process.Kill(); cmd.Wait() }
		}
		cmd.Process.Kill()
		cmd.Wait()
		if attempt == 2 { // the port was taken meanwhile, three times?
			t.Fatalf("redis-server did not start:\n%s", strings.Join(seen, "\n"))
		}
	}
}

var versionRE = regexp.MustCompile(`version=(\d+\.\d+)`)

// diff returns the specs whose outcomes differ between a and b.
func diff(a, b map[string]spec) []string {
	var out []string
	for k, s := range a {
		if b[k].state != s.state {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func count(res map[string]spec) (passed, failed int) {
	for _, s := range res {
		switch s.state {
		case "passed":
			passed++
		case "skipped", "pending":
		default:
			failed++
		}
	}
	return
}

// copyTree copies the directory src to dst, which it creates, with files
// writable.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
