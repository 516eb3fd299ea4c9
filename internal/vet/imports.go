package vet

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/coop-go/coop/internal/patch"
)

// checkImports reports the imports of the standard packages that coop
// has drop-ins for (those -imports lists), in a package meant to be
// swapped: the fix is the drop-in, under the name the file used, as coop
// build would swap it.
func (c *checker) checkImports() {
	want := strings.Split(importsFlag, ",")
	for _, f := range c.pass.Files {
		for _, spec := range f.Imports {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil || !slices.Contains(want, p) || spec.Name != nil && spec.Name.Name == "_" {
				continue
			}
			i := slices.IndexFunc(patch.Table, func(sw patch.Swap) bool { return sw.Std == p })
			if i < 0 {
				continue
			}
			sw := patch.Table[i]
			text, shown := strconv.Quote(sw.Coop), ""
			if spec.Name == nil {
				text = sw.Name + " " + text
				shown = text
			} else {
				shown = spec.Name.Name + " " + text
			}
			c.report(spec, "import",
				fmt.Sprintf("%q is imported in a package meant to be swapped: its blocking calls are invisible to the scheduler; import %s instead", p, shown),
				fix("Import "+sw.Coop+" instead", replace(spec.Path, text)))
		}
	}
}
