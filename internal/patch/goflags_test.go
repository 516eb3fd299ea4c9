package patch

import (
	"reflect"
	"testing"
)

func TestParseGoArgs(t *testing.T) {
	tests := []struct {
		cmd  string
		args []string
		want goArgs
	}{{
		cmd:  "build",
		args: []string{"-race", "-o", "bin/x", "-tags", "a,b", "./cmd/x"},
		want: goArgs{build: []string{"-race", "-tags=a,b"}, flags: []string{"-race", "-o=bin/x", "-tags=a,b"}, pkgs: []string{"./cmd/x"}},
	}, {
		cmd:  "build",
		args: []string{"-C", "sub", "-modfile=alt.mod", "--gcflags=-N -l", "./..."},
		want: goArgs{dir: "sub", modfile: "alt.mod", build: []string{"-gcflags=-N -l"}, flags: []string{"-gcflags=-N -l"}, pkgs: []string{"./..."}},
	}, {
		cmd:  "run",
		args: []string{"-exec", "sudo", "./cmd/x", "-v", "arg"},
		want: goArgs{flags: []string{"-exec=sudo"}, pkgs: []string{"./cmd/x"}, rest: []string{"-v", "arg"}},
	}, {
		cmd:  "run",
		args: []string{"a.go", "b.go", "x.txt", "-n"},
		want: goArgs{pkgs: []string{"a.go", "b.go"}, rest: []string{"x.txt", "-n"}},
	}, {
		cmd:  "test",
		args: []string{"-count=1", "./...", "-run", "TestX", "-v", "-custom", "1", "-args", "-x"},
		want: goArgs{flags: []string{"-count=1", "-run=TestX", "-v"}, pkgs: []string{"./..."}, rest: []string{"-custom", "1", "-args", "-x"}},
	}, {
		cmd:  "test",
		args: []string{"-race", "-cover", "-skip", "TestSlow", "."},
		want: goArgs{build: []string{"-race", "-cover"}, flags: []string{"-race", "-cover", "-skip=TestSlow"}, pkgs: []string{"."}},
	}}
	for _, tt := range tests {
		got, err := parseGoArgs(tt.cmd, tt.args)
		if err != nil {
			t.Errorf("parseGoArgs(%q, %q): %v", tt.cmd, tt.args, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseGoArgs(%q, %q) =\n%+v\nwant\n%+v", tt.cmd, tt.args, got, tt.want)
		}
	}
}

func TestParseGoArgsErrors(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		args []string
	}{
		{"build", []string{"-overlay=x.json", "."}},
		{"build", []string{"-nosuchflag", "."}},
		{"build", []string{"-o"}},
		{"build", []string{"-race", "-C", "dir"}},
	} {
		if _, err := parseGoArgs(tt.cmd, tt.args); err == nil {
			t.Errorf("parseGoArgs(%q, %q): no error", tt.cmd, tt.args)
		}
	}
}

func TestPatterns(t *testing.T) {
	var p Patterns
	p.Set("example.com/a/..., golang.org/x/net/http2")
	p.Set("github.com/*/x") // no glob: * is a character like any other
	for _, tt := range []struct {
		path string
		want bool
	}{
		{"example.com/a", true},
		{"example.com/a/b/c", true},
		{"example.com/ab", false},
		{"golang.org/x/net/http2", true},
		{"golang.org/x/net/http2/hpack", false},
		{"github.com/*/x", true},
		{"github.com/y/x", false},
	} {
		if _, got := p.Match(tt.path); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if p.String() != "example.com/a/...,golang.org/x/net/http2,github.com/*/x" {
		t.Errorf("String() = %q", p.String())
	}
	var empty Patterns
	if _, ok := empty.Match("x"); ok || !empty.Empty() {
		t.Error("the zero Patterns matches")
	}
}
