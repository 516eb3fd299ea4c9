package patch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// goRunner runs the go command for one patched build.
type goRunner struct {
	dir   string    // where it runs; "" for the current directory
	env   []string  // its environment; nil for os.Environ()
	trace io.Writer // if not nil, each command line is printed here

	mu sync.Mutex // for trace: two go lists run at once
}

// command returns the go command with args, ready to run.
func (g *goRunner) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = g.dir
	cmd.Env = g.env
	if g.trace != nil {
		g.mu.Lock()
		fmt.Fprintf(g.trace, "coop: go %s\n", strings.Join(args, " "))
		g.mu.Unlock()
	}
	return cmd
}

// output runs the go command and returns its standard output; its
// standard error is in the error if it fails.
func (g *goRunner) output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := g.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return out, fmt.Errorf("go %s: %s", args[0], msg)
	}
	return out, nil
}

// getenv returns the value of key in the runner's environment.
func (g *goRunner) getenv(key string) string {
	if g.env == nil {
		return os.Getenv(key)
	}
	v := ""
	for _, kv := range g.env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// goEnv is what coop reads of "go env".
type goEnv struct {
	GOMOD, GOMODCACHE, GOWORK, GOVERSION, GOFLAGS    string
	GOOS, GOARCH, CGO_ENABLED, GOEXPERIMENT, GOAMD64 string
	GOCACHE                                          string
}

func (g *goRunner) goEnv(ctx context.Context) (goEnv, error) {
	var e goEnv
	out, err := g.output(ctx, "env", "-json", "GOMOD", "GOMODCACHE", "GOWORK", "GOVERSION", "GOFLAGS",
		"GOOS", "GOARCH", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOCACHE")
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(out, &e)
	return e, err
}

// decodeStream decodes a stream of JSON values, as go list -json prints
// them, calling fn for each.
func decodeStream[T any](data []byte, fn func(*T)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		v := new(T)
		if err := dec.Decode(v); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		fn(v)
	}
}
