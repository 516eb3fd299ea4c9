// Package imports uses coop, yet still imports what coop has drop-ins for.
package imports

import (
	"fmt"
	"net"              // want `"net" is imported in a package that uses coop: its blocking calls are invisible to the scheduler; import net "github.com/coop-go/coop/netx" instead`
	_ "net"            // a blank import is there for side effects: not reported
	stdhttp "net/http" // want `"net/http" is imported in a package that uses coop: .*; import stdhttp "github.com/coop-go/coop/httpx" instead`
	"time"             // want `"time" is imported in a package that uses coop`

	"github.com/coop-go/coop/iox"
)

func Fetch(addr string) error {
	iox.Yield()
	time.Sleep(time.Millisecond)
	if _, err := net.Dial("tcp", addr); err != nil {
		return err
	}
	_, err := stdhttp.Get("http://" + addr)
	return fmt.Errorf("imports: %w", err)
}
