package iox

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
)

// goroutineStack returns the stack of goroutine id, as runtime.Stack
// prints it, taken from a dump of all goroutines; nil if it is gone.
func goroutineStack(id int64) []byte {
	buf := allStacks()
	head := []byte("goroutine " + strconv.FormatInt(id, 10) + " [")
	i := bytes.Index(buf, head)
	if i < 0 {
		return nil
	}
	rest := buf[i:]
	if j := bytes.Index(rest, []byte("\n\n")); j >= 0 {
		rest = rest[:j]
	}
	return bytes.Clone(rest)
}

// allStacks returns the stacks of all goroutines, as runtime.Stack
// prints them. The runtime stops the world while it writes them (about
// 10 to 25 ms per 1,000 goroutines on the machine of BENCHMARKS.md), and a dump
// that does not fit its buffer is lost, so the buffer is sized for 2 KiB
// a goroutine, twice what a dump usually takes, to dump once.
func allStacks() []byte {
	buf := make([]byte, max(64<<10, 2<<10*runtime.NumGoroutine()))
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// frames renders a stack as runtime.Stack prints it as one line per call,
// "function at file:line", without the argument words and program
// counter offsets that only a debugger reads.
func frames(stack []byte) string {
	var sb strings.Builder
	lines := strings.Split(strings.TrimRight(string(stack), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "goroutine ") || line == "" {
			continue
		}
		fn := line
		if p := strings.LastIndex(fn, "("); p > 0 && strings.HasSuffix(fn, ")") {
			fn = fn[:p] // the argument words
		}
		fn = strings.TrimSuffix(fn, " ...")
		loc := ""
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			i++
			loc = strings.TrimPrefix(lines[i], "\t")
			if p := strings.LastIndex(loc, " +0x"); p > 0 {
				loc = loc[:p] // the program counter offset
			}
		}
		sb.WriteString("    ")
		sb.WriteString(fn)
		if loc != "" {
			sb.WriteString(" at ")
			sb.WriteString(loc)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
