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
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
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
