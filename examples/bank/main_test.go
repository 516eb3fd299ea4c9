package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
	"github.com/coop-go/coop/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCLI(t *testing.T) {
	var out, errs strings.Builder
	if code := cli([]string{"-h"}, &out, &errs); code != 0 || !strings.Contains(out.String(), synopsis) {
		t.Errorf("-h: exit %d, stdout %q", code, out.String())
	}
	for _, args := range [][]string{{"-tellers", "0"}, {"-transfers", "-1"}, {"-nope"}, {"extra"}} {
		errs.Reset()
		if code := cli(args, &out, &errs); code != 2 || !strings.Contains(errs.String(), synopsis) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and the synopsis", args, code, errs.String())
		}
	}
	// One teller cannot interleave with itself: the total is kept.
	out.Reset()
	if code := cli([]string{"-tellers", "1", "-transfers", "5"}, &out, &errs); code != 0 || !strings.Contains(out.String(), "the total is 200 of 200") {
		t.Errorf("one teller: exit %d, stdout %q", code, out.String())
	}
}

// TestLostUpdate is the planted bug, explored: two tellers, one transfer
// each, in worlds of seeds 1 to 500. It fails (that is the bug), so it
// runs only inside TestExploreFindsTheLostUpdate, which runs it in a
// process of its own and checks what it reports.
func TestLostUpdate(t *testing.T) {
	if os.Getenv("COOP_BANK_EXPLORE") == "" {
		t.Skip("the planted bug: run by TestExploreFindsTheLostUpdate (set COOP_BANK_EXPLORE=1 to see it fail)")
	}
	sim.Explore(t, 500, func(w *sim.World) {
		// The ledger listens on a port the world picks; the port, like
		// everything else in a world, comes from the seed.
		addr := make(chan string, 1)
		w.Host("ledger", func(ctx context.Context) error {
			l, err := netx.Listen("tcp", ":0")
			if err != nil {
				return err
			}
			addr <- l.Addr().String()
			return Serve(l, Opening)
		})
		a, _ := iox.Recv(addr)
		total, err := Run(a, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2*Opening {
			if p := os.Getenv("COOP_BANK_LOG"); p != "" {
				os.WriteFile(p, []byte(sim.FormatEvents(w.Log())), 0o644)
			}
			t.Errorf("the total is %d of %d: two transfers interleaved", total, 2*Opening)
		}
	})
}

// Explore finds the lost update within 500 seeds, and COOP_SEED replays
// the seed it names: the same failure, the same log, byte for byte.
func TestExploreFindsTheLostUpdate(t *testing.T) {
	dir := t.TempDir()
	explore := func(seed string, log string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestLostUpdate$", "-test.v")
		cmd.Env = append(os.Environ(), "COOP_BANK_EXPLORE=1", "COOP_BANK_LOG="+log, "COOP_SEED="+seed)
		if seed == "" {
			cmd.Env = append(cmd.Env[:len(cmd.Env)-1:len(cmd.Env)-1], "COOP_SEED=")
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	out, err := explore("", filepath.Join(dir, "explored"))
	if err == nil {
		t.Fatalf("Explore found no failing seed in 500:\n%s", out)
	}
	m := regexp.MustCompile(`Explore found a failing seed, (\d+) of 500: the test failed`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "two transfers interleaved") || !strings.Contains(out, "replay: COOP_SEED="+m[1]+" go test -run '^TestLostUpdate$'") {
		t.Fatalf("the explore run does not name its failing seed and how to replay it:\n%s", out)
	}
	t.Logf("Explore: seed %s loses money", m[1])
	explored, err := os.ReadFile(filepath.Join(dir, "explored"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		out, err := explore(m[1], filepath.Join(dir, "replayed"))
		if err == nil || !strings.Contains(out, "sim: seed "+m[1]+" failed: the test failed") {
			t.Fatalf("replay %d of seed %s did not fail as the explore run did:\n%s", i, m[1], out)
		}
		replayed, err := os.ReadFile(filepath.Join(dir, "replayed"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(replayed, explored) {
			t.Fatalf("replay %d of seed %s has another log:\n%s\nthe explore run's:\n%s", i, m[1], replayed, explored)
		}
	}
}
