// Package imports has swapped one import (swapped.go), yet still imports
// what coop has drop-ins for.
package imports

import (
	"crypto/tls" // want `"crypto/tls" is imported in a package meant to be swapped: .*; import tls "github.com/coop-go/coop/tlsx" instead`
	"fmt"
	"net"              // want `"net" is imported in a package meant to be swapped: its blocking calls are invisible to the scheduler; import net "github.com/coop-go/coop/netx" instead`
	_ "net"            // a blank import is there for side effects: not reported
	stdhttp "net/http" // want `"net/http" is imported in a package meant to be swapped: .*; import stdhttp "github.com/coop-go/coop/httpx" instead`
	"time"             // want `"time" is imported in a package meant to be swapped`
)

func Fetch(addr string) error {
	time.Sleep(time.Millisecond)
	if _, err := net.Dial("tcp", addr); err != nil {
		return err
	}
	_, err := stdhttp.Get("http://" + addr)
	if c, derr := tls.Dial("tcp", addr, nil); derr == nil {
		c.Close()
	}
	return fmt.Errorf("imports: %w", err)
}
