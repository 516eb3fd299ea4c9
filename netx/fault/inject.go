package fault

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coop-go/coop/internal/faultnet"
	"github.com/coop-go/coop/internal/simworld"
	"github.com/coop-go/coop/iox"
)

// Inject applies toxics, in that order, to the real netx conns whose
// remote address matches target, and to dials of it, until remove is
// called: chaos in a running program, without a proxy or a changed
// address. target is "host:port", "host" (any port) or ":port" (any
// host); a host name is resolved once, now, and a conn matches by its
// remote IP address (a dial, also by the name it was given). Toxics apply
// to the conns already open, from their next call, and to new ones;
// removing them lets what they hold through at once, in order: no byte is
// lost, duplicated or reordered by the removal.
//
// Each toxic is injected under its Name, which must be unique on target.
// Inject panics on a bad target, the zero Toxic or a name already taken;
// remove may be called more than once. Inject is safe for concurrent use.
//
// Inject acts on the real network only: the conns and dials of a
// simulated world's goroutines (package sim) are left alone; World.Inject
// puts toxics there, with the same engine (Link).
//
// With no toxic injected, the only cost to netx's calls is one atomic
// load each. See the package doc for what each toxic does to a real conn.
func Inject(target string, toxics ...Toxic) (remove func()) {
	tg, err := parseTarget(target)
	if err != nil {
		panic(err.Error())
	}
	added, err := reg.add(tg, toxics, -1)
	if err != nil {
		panic(err.Error())
	}
	return func() { reg.remove(added...) }
}

// entry is one toxic injected on one target. Links keep &entry.toxic:
// an entry's toxic never changes (an update replaces the entry).
type entry struct {
	toxic  Toxic
	target *target
}

// registry is the toxics injected, and whether the driver is installed.
type registry struct {
	mu      sync.Mutex
	entries atomic.Pointer[[]*entry] // copy on write: streams read it without the lock
	sig     atomic.Pointer[signal]   // cancelled when the toxics change

	instMu sync.Mutex
	dirty  atomic.Int64 // streams that hold what the direct path would skip
}

// signal is a context cancelled at the next change of the toxics: a
// driver's wait wakes on it.
type signal struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var reg = newRegistry()

func newRegistry() *registry {
	r := &registry{}
	r.entries.Store(new([]*entry))
	ctx, cancel := context.WithCancel(context.Background())
	r.sig.Store(&signal{ctx, cancel})
	return r
}

// changes returns a context cancelled at the next change of the toxics.
func (r *registry) changes() context.Context { return r.sig.Load().ctx }

// list returns the entries, in order.
func (r *registry) list() []*entry { return *r.entries.Load() }

// add injects toxics on tg, at index at (-1: at the end); it fails on the
// zero Toxic or a name taken, adding none.
func (r *registry) add(tg *target, toxics []Toxic, at int) ([]*entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.list()
	var added []*entry
	for _, t := range toxics {
		if t.kind == 0 {
			return nil, fmt.Errorf("fault: Inject(%q): the zero Toxic", tg.raw)
		}
		name := t.Name()
		for _, e := range cur {
			if e.target.raw == tg.raw && e.toxic.Name() == name {
				return nil, fmt.Errorf("fault: Inject(%q): a toxic named %q is injected there already", tg.raw, name)
			}
		}
		for _, e := range added {
			if e.toxic.Name() == name {
				return nil, fmt.Errorf("fault: Inject(%q): two toxics named %q", tg.raw, name)
			}
		}
		added = append(added, &entry{toxic: t, target: tg})
	}
	next := slices.Clone(cur)
	if at < 0 || at > len(next) {
		at = len(next)
	}
	next = slices.Insert(next, at, added...)
	r.publish(next)
	return added, nil
}

// remove removes entries (those still injected).
func (r *registry) remove(es ...*entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.list()
	next := slices.DeleteFunc(slices.Clone(cur), func(e *entry) bool { return slices.Contains(es, e) })
	if len(next) != len(cur) {
		r.publish(next)
	}
}

// replace puts entry n in the place of old, if old is still injected.
func (r *registry) replace(old, n *entry) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := slices.Clone(r.list())
	i := slices.Index(next, old)
	if i < 0 {
		return false
	}
	next[i] = n
	r.publish(next)
	return true
}

// publish makes next the entries, starts a new generation, wakes the
// waits, and installs or uninstalls the driver; r.mu is held.
func (r *registry) publish(next []*entry) {
	r.entries.Store(&next)
	faultnet.Bump()
	ctx, cancel := context.WithCancel(context.Background())
	r.sig.Swap(&signal{ctx, cancel}).cancel()
	r.reconcile()
}

// reconcile installs the driver while toxics are injected or a stream
// holds what the direct path would skip, and uninstalls it otherwise.
func (r *registry) reconcile() {
	r.instMu.Lock()
	defer r.instMu.Unlock()
	if len(r.list()) > 0 || r.dirty.Load() > 0 {
		if faultnet.Current() == nil {
			faultnet.Install(driver{})
		}
	} else {
		faultnet.Install(nil)
	}
}

// match returns the toxics injected on targets addr (a conn's remote
// address, or a dial's address) matches, in order.
func (r *registry) match(addr string, dst []*Toxic) []*Toxic {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return dst
	}
	ip, _ := netip.ParseAddr(host)
	ip = ip.WithZone("").Unmap()
	for _, e := range r.list() {
		if e.target.match(host, port, ip) {
			dst = append(dst, &e.toxic)
		}
	}
	return dst
}

// target is where toxics are injected: a host, a port, or both.
type target struct {
	raw  string
	host string       // "" for any host
	port string       // "" for any port
	ips  []netip.Addr // the host's addresses
}

func parseTarget(s string) (*target, error) {
	t := &target{raw: s}
	switch {
	case s == "":
		return nil, fmt.Errorf("fault: empty target")
	case strings.HasPrefix(s, ":"):
		t.port = s[1:]
	default:
		if h, p, err := net.SplitHostPort(s); err == nil {
			t.host, t.port = h, p
		} else if strings.Count(s, ":") == 1 {
			return nil, fmt.Errorf("fault: bad target %q: %v", s, err)
		} else {
			t.host = strings.Trim(s, "[]") // a host, or an IPv6 literal
		}
	}
	if t.port != "" {
		n, err := net.LookupPort("tcp", t.port)
		if err != nil {
			return nil, fmt.Errorf("fault: bad target %q: port %q", s, t.port)
		}
		t.port = fmt.Sprint(n) // a service name becomes its number
	}
	if t.host == "" {
		if t.port == "" {
			return nil, fmt.Errorf("fault: bad target %q", s)
		}
		return t, nil
	}
	if ip, err := netip.ParseAddr(t.host); err == nil {
		t.ips = []netip.Addr{ip.WithZone("").Unmap()}
		return t, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ips, _ := net.DefaultResolver.LookupNetIP(ctx, "ip", t.host)
	for _, ip := range ips {
		t.ips = append(t.ips, ip.WithZone("").Unmap())
	}
	return t, nil
}

// match reports whether an address (host and port, host's IP if it is
// one) is the target's.
func (t *target) match(host, port string, ip netip.Addr) bool {
	if t.port != "" && port != t.port {
		return false
	}
	if t.host == "" || strings.EqualFold(host, t.host) {
		return true
	}
	return ip.IsValid() && slices.Contains(t.ips, ip)
}

// driver is the faultnet.Driver of real netx conns.
type driver struct{}

// Dial fails a dial of address with a refused connection if a Refuse
// toxic on it says so.
func (driver) Dial(network, address string) error {
	if simworld.Env() != nil {
		return nil // a simulated world's dial: World.Inject's, not ours
	}
	var buf [8]*Toxic
	toxics := reg.match(address, buf[:0])
	if len(toxics) == 0 || !Refuses(toxics, globalSource{}) {
		return nil
	}
	oe := &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	if ap, err := netip.ParseAddrPort(address); err == nil {
		switch {
		case strings.HasPrefix(network, "tcp"):
			oe.Addr = net.TCPAddrFromAddrPort(ap)
		case strings.HasPrefix(network, "udp"):
			oe.Addr = net.UDPAddrFromAddrPort(ap)
		}
	}
	return oe
}

// Bind gives c its stream (see faultnet.Driver).
func (driver) Bind(c *faultnet.Conn) faultnet.Stream {
	g := faultnet.Gen() // before matching: a change meanwhile makes the answer stale
	if simworld.Env() != nil {
		c.Slot.Set(g, nil) // a simulated world's conn: World.Inject's, not ours
		return nil
	}
	toxics := reg.match(c.Target, nil)
	bindMu.Lock()
	defer bindMu.Unlock()
	st, _ := c.Slot.Last().(*stream)
	if st != nil && st.isDetached() {
		st = nil
	}
	if st == nil {
		if len(toxics) == 0 {
			c.Slot.Set(g, nil)
			return nil
		}
		st = newStream(c)
	}
	if !st.bind(g, toxics) {
		c.Slot.Set(g, nil)
		return nil
	}
	c.Slot.Set(g, st)
	return st
}

// bindMu makes one stream per conn: two calls of a conn that bind it at
// once get the same.
var bindMu sync.Mutex

// globalSource is math/rand/v2's global source, for the draws of real
// conns.
type globalSource struct{}

func (globalSource) Uint64() uint64 { return rand.Uint64() }

// now is the time on the scheduler's clock, for a driver's goroutine.
func now() time.Time { return iox.Now() }
