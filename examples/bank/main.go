// Command bank is a small bank with a bug that never shows on your
// machine. A ledger service keeps balances and speaks a line protocol over
// TCP ("GET acct", "SET acct n"); tellers move money between accounts with
// a read of both balances, then a write of both. Two transfers that
// interleave between the reads and the writes lose an update, and money
// appears or vanishes.
//
// Run for real, the tellers hardly ever interleave there:
//
//	go run ./examples/bank
//	go run ./examples/bank -tellers 8 -transfers 100
//
// In a simulated world (its test, bank_test.go), sim.Explore finds an
// order of the tellers' calls that loses money within a few seeds, and
// COOP_SEED replays that order, the same log every time:
//
//	go test ./examples/bank -run TestExploreFindsTheLostUpdate -v
//
// It exits 1 if money was lost or created, 2 for a bad flag.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/coop-go/coop/internal/cmdline"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

func main() { os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr)) }

const synopsis = "usage: bank [-tellers n] [-transfers n]"

const about = `Runs a ledger service on a loopback port and tellers that move money
between two accounts, each transfer a read of both balances then a write
of both (the planted bug: nothing makes the pair atomic). It prints the
total at the end; it exits 1 if money was lost or created, 2 for a bad flag.

`

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bank", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	tellers := fs.Int("tellers", 2, "how many tellers transfer at once")
	transfers := fs.Int("transfers", 20, "how many transfers each teller makes")
	if code, exit := cmdline.Parse(fs, args, synopsis, about, stdout, stderr); exit {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "bank: unexpected argument %q\n%s\n", fs.Arg(0), synopsis)
		return 2
	case *tellers < 1 || *transfers < 0:
		fmt.Fprintf(stderr, "bank: -tellers must be at least 1 and -transfers at least 0\n%s\n", synopsis)
		return 2
	}
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "bank:", err)
		return 1
	}
	srv := iox.Spawn(func(ctx context.Context) error { return Serve(l, Opening) })
	total, err := Run(l.Addr().String(), *tellers, *transfers)
	l.Close()
	srv.Kill(nil)
	srv.Wait()
	if err != nil {
		fmt.Fprintln(stderr, "bank:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d tellers made %d transfers each; the total is %d of %d\n", *tellers, *transfers, total, 2*Opening)
	if total != 2*Opening {
		fmt.Fprintln(stdout, "money was lost or created: two transfers interleaved")
		return 1
	}
	return 0
}

// Opening is each account's balance when the ledger opens.
const Opening = 100

// Serve runs the ledger on l until l is closed: accounts "a" and "b"
// start with opening each, and each conn is served by a task of its own.
func Serve(l net.Listener, opening int) error {
	var mu sync.Mutex
	balance := map[string]int{"a": opening, "b": opening}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		iox.Spawn(func(ctx context.Context) error {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return nil
				}
				f := strings.Fields(line)
				mu.Lock()
				switch {
				case len(f) == 2 && f[0] == "GET":
					fmt.Fprintf(c, "%d\n", balance[f[1]])
				case len(f) == 3 && f[0] == "SET":
					n, _ := strconv.Atoi(f[2])
					balance[f[1]] = n
					fmt.Fprintln(c, "OK")
				default:
					fmt.Fprintln(c, "ERR")
				}
				mu.Unlock()
			}
		})
	}
}

// A Teller is one client of the ledger.
type Teller struct {
	c net.Conn
	r *bufio.Reader
}

// Dial connects a teller to the ledger at addr.
func Dial(addr string) (*Teller, error) {
	c, err := netx.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Teller{c: c, r: bufio.NewReader(c)}, nil
}

// Close hangs the teller up.
func (t *Teller) Close() error { return t.c.Close() }

func (t *Teller) call(format string, args ...any) (string, error) {
	if _, err := fmt.Fprintf(t.c, format+"\n", args...); err != nil {
		return "", err
	}
	line, err := t.r.ReadString('\n')
	return strings.TrimSpace(line), err
}

// Balance returns an account's balance.
func (t *Teller) Balance(acct string) (int, error) {
	s, err := t.call("GET %s", acct)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}

// Transfer moves n from one account to the other: it reads both
// balances, then writes both. The bug: another transfer between the reads
// and the writes is overwritten.
func (t *Teller) Transfer(from, to string, n int) error {
	a, err := t.Balance(from)
	if err != nil {
		return err
	}
	b, err := t.Balance(to)
	if err != nil {
		return err
	}
	if _, err := t.call("SET %s %d", from, a-n); err != nil {
		return err
	}
	_, err = t.call("SET %s %d", to, b+n)
	return err
}

// Run has tellers tellers, each a task, make transfers transfers each,
// alternately from a to b and back, and returns the total of both
// accounts at the end.
func Run(addr string, tellers, transfers int) (int, error) {
	var g iox.Group
	for i := range tellers {
		g.Go(func(ctx context.Context) error {
			t, err := Dial(addr)
			if err != nil {
				return err
			}
			defer t.Close()
			for j := range transfers {
				from, to := "a", "b"
				if (i+j)%2 == 1 {
					from, to = to, from
				}
				if err := t.Transfer(from, to, 1+j%7); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	t, err := Dial(addr)
	if err != nil {
		return 0, err
	}
	defer t.Close()
	a, err := t.Balance("a")
	if err != nil {
		return 0, err
	}
	b, err := t.Balance("b")
	return a + b, err
}
