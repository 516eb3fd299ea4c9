package patch

// CoopModule is the module path of coop, whose packages are never patched.
const CoopModule = "github.com/coop-go/coop"

// A Swap is one standard package that the patch replaces with its coop
// drop-in in every file that imports it.
type Swap struct {
	Std  string // the standard package's import path: "net/http"
	Coop string // the drop-in's import path: "github.com/coop-go/coop/httpx"
	Name string // the name a file that gives none imports it under: "http"

	// Optional drop-ins are swapped only when the coop module in use has
	// them, so that a newer table works with an older coop.
	Optional bool
}

// Table lists every swap coop knows, in the order reports list them.
// Adding a drop-in is one line here: the rewriter, the report, the -swap
// flag and the vet check all read this table.
var Table = []Swap{
	{Std: "net", Coop: CoopModule + "/netx", Name: "net"},
	{Std: "time", Coop: CoopModule + "/iox/timex", Name: "time"},
	{Std: "net/http", Coop: CoopModule + "/httpx", Name: "http"},
	{Std: "crypto/tls", Coop: CoopModule + "/tlsx", Name: "tls", Optional: true}, // issue 17
}

// Swaps is a set of swaps by standard import path, the table a rewrite
// applies.
type Swaps map[string]Swap

// Lookup returns the swap of the standard package std, and whether there
// is one.
func (s Swaps) Lookup(std string) (Swap, bool) {
	sw, ok := s[std]
	return sw, ok
}

// Paths returns the standard import paths in s, in Table's order.
func (s Swaps) Paths() []string {
	var out []string
	for _, sw := range Table {
		if _, ok := s[sw.Std]; ok {
			out = append(out, sw.Std)
		}
	}
	return out
}

// DefaultSwaps returns every swap of Table that is not optional.
func DefaultSwaps() Swaps {
	s := Swaps{}
	for _, sw := range Table {
		if !sw.Optional {
			s[sw.Std] = sw
		}
	}
	return s
}
