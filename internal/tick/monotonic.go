package tick

import "time"

// monotonic returns nanoseconds since the package started, from the
// runtime's monotonic clock.
func monotonic() int64 { return int64(time.Since(base)) }
