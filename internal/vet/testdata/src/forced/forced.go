// Package forced does not import coop, but -swapped names it.
package forced

import "time" // want `"time" is imported in a package meant to be swapped`

func Wait() { time.Sleep(time.Millisecond) }
