package live

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite schema.json from the types in schema.go")

// replies are the types the handler replies with, in the order schema.json
// lists them.
var replies = []reflect.Type{
	reflect.TypeFor[TaskList](),
	reflect.TypeFor[TaskDetail](),
	reflect.TypeFor[StatsReport](),
	reflect.TypeFor[StallList](),
	reflect.TypeFor[ParkedList](),
	reflect.TypeFor[KillReply](),
	reflect.TypeFor[ErrorReply](),
}

// docs reads the doc comments of schema.go: of each type, and of each
// field by type.
func docs(t *testing.T) (types map[string]string, fields map[string]map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "schema.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	types, fields = map[string]string{}, map[string]map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			doc := gd.Doc
			if ts.Doc != nil {
				doc = ts.Doc
			}
			types[ts.Name.Name] = oneLine(doc.Text())
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields[ts.Name.Name] = map[string]string{}
			for _, fl := range st.Fields.List {
				for _, n := range fl.Names {
					fields[ts.Name.Name][n.Name] = oneLine(fl.Doc.Text() + fl.Comment.Text())
				}
			}
		}
	}
	return types, fields
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// schemaGen builds the JSON Schema of the replies from their types and
// comments, and reports every type or field without a comment, a JSON
// name or a snake_case name.
type schemaGen struct {
	bad    []string
	types  map[string]string
	fields map[string]map[string]string
	defs   map[string]any
}

func (g *schemaGen) of(rt reflect.Type) map[string]any {
	switch {
	case rt == reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case rt.Kind() == reflect.Pointer && rt.Elem() == reflect.TypeFor[time.Time]():
		return map[string]any{"type": []any{"string", "null"}, "format": "date-time"}
	}
	switch rt.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.of(rt.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(rt.Elem())}
	case reflect.Struct:
		g.def(rt)
		return map[string]any{"$ref": "#/$defs/" + rt.Name()}
	}
	g.bad = append(g.bad, fmt.Sprintf("%v: a type the schema has no word for", rt))
	return map[string]any{}
}

func (g *schemaGen) def(rt reflect.Type) {
	name := rt.Name()
	if _, done := g.defs[name]; done {
		return
	}
	props := map[string]any{}
	var required []any
	obj := map[string]any{"type": "object", "properties": props, "description": g.types[name]}
	g.defs[name] = obj
	if g.types[name] == "" {
		g.bad = append(g.bad, fmt.Sprintf("type %s has no doc comment", name))
	}
	for i := range rt.NumField() {
		f := rt.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "" || tag == "-":
			g.bad = append(g.bad, fmt.Sprintf("%s.%s has no JSON name", name, f.Name))
			continue
		case !snake.MatchString(tag):
			g.bad = append(g.bad, fmt.Sprintf("%s.%s: JSON name %q is not snake_case", name, f.Name, tag))
		}
		if strings.Contains(f.Tag.Get("json"), "omitempty") {
			g.bad = append(g.bad, fmt.Sprintf("%s.%s: omitempty makes the field come and go; the schema wants it always there", name, f.Name))
		}
		p := g.of(f.Type)
		doc := g.fields[name][f.Name]
		if doc == "" {
			g.bad = append(g.bad, fmt.Sprintf("%s.%s has no doc comment", name, f.Name))
		}
		if _, isRef := p["$ref"]; isRef {
			p = map[string]any{"allOf": []any{p}}
		}
		p["description"] = doc
		props[tag] = p
		required = append(required, tag)
	}
	obj["required"] = required
}

func generateSchema(t *testing.T) []byte {
	types, fields := docs(t)
	g := &schemaGen{types: types, fields: fields, defs: map[string]any{}}
	var oneOf []any
	for _, rt := range replies {
		oneOf = append(oneOf, g.of(rt))
	}
	for _, b := range g.bad {
		t.Error(b)
	}
	doc := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         "https://github.com/coop-go/coop/live/schema.json",
		"title":       "coop live",
		"description": "The JSON replies of the handler of package github.com/coop-go/coop/live. Durations are integer nanoseconds in fields ending in _ns; times are RFC 3339. Names are stable: fields may be added, never renamed or removed.",
		"oneOf":       oneOf,
		"$defs":       g.defs,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// fieldNames lists every "Type.json_name" of a schema document.
func fieldNames(t *testing.T, schema []byte) []string {
	t.Helper()
	var doc struct {
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	var names []string
	for typ, d := range doc.Defs {
		for p := range d.Properties {
			names = append(names, typ+"."+p)
		}
	}
	slices.Sort(names)
	return names
}

// TestSchema checks that every type and field of the JSON is documented
// with a stable snake_case name, that schema.json is generated from them,
// and that no name of schema.json went away: tools rely on them.
func TestSchema(t *testing.T) {
	got := generateSchema(t)
	old, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	now := fieldNames(t, got)
	for _, n := range fieldNames(t, old) {
		if _, found := slices.BinarySearch(now, n); !found {
			t.Errorf("field %s of schema.json is gone: names are stable (add a field, never rename or remove one)", n)
		}
	}
	if t.Failed() {
		return
	}
	if *update {
		if err := os.WriteFile("schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, old) {
		t.Errorf("schema.json is not what schema.go says: run go test ./live -run TestSchema -update")
	}
}

// conform reports where v, decoded JSON, departs from the schema at ref:
// a missing field, one the schema does not know, or a value of the wrong
// type.
func conform(defs map[string]any, schema map[string]any, v any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		return conform(defs, defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any), v, at)
	}
	if all, ok := schema["allOf"].([]any); ok {
		return conform(defs, all[0].(map[string]any), v, at)
	}
	types := map[string]bool{}
	switch tt := schema["type"].(type) {
	case string:
		types[tt] = true
	case []any:
		for _, x := range tt {
			types[x.(string)] = true
		}
	}
	var got string
	switch x := v.(type) {
	case nil:
		got = "null"
	case string:
		got = "string"
	case bool:
		got = "boolean"
	case float64:
		got = "integer"
		if x != float64(int64(x)) {
			got = "number"
		}
	case []any:
		got = "array"
	case map[string]any:
		got = "object"
	}
	if !types[got] {
		return []string{fmt.Sprintf("%s: %s, want %v", at, got, schema["type"])}
	}
	var bad []string
	switch v := v.(type) {
	case []any:
		for i, x := range v {
			bad = append(bad, conform(defs, schema["items"].(map[string]any), x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case map[string]any:
		if props, ok := schema["properties"].(map[string]any); ok {
			for _, r := range schema["required"].([]any) {
				if _, ok := v[r.(string)]; !ok {
					bad = append(bad, fmt.Sprintf("%s: no field %q", at, r))
				}
			}
			for k, x := range v {
				p, ok := props[k]
				if !ok {
					bad = append(bad, fmt.Sprintf("%s.%s: not in the schema", at, k))
					continue
				}
				bad = append(bad, conform(defs, p.(map[string]any), x, at+"."+k)...)
			}
		} else if ap, ok := schema["additionalProperties"].(map[string]any); ok {
			for k, x := range v {
				bad = append(bad, conform(defs, ap, x, at+"."+k)...)
			}
		}
	}
	return bad
}

// checkReply checks a reply's body against the schema's definition name.
func checkReply(t *testing.T, name string, body []byte) {
	t.Helper()
	var doc struct {
		Defs map[string]any `json:"$defs"`
	}
	schema, _ := files.ReadFile("schema.json")
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, body)
	}
	for _, b := range conform(doc.Defs, map[string]any{"$ref": "#/$defs/" + name}, v, name) {
		t.Errorf("reply departs from schema.json: %s", b)
	}
}

// The generator refuses what the schema cannot promise.
func TestSchemaGenRefuses(t *testing.T) {
	type undocumented struct {
		NoTag     int
		CamelCase int    `json:"camelCase"`
		Sometimes string `json:"sometimes,omitempty"`
		Fn        func() `json:"fn"`
	}
	types, fields := docs(t)
	g := &schemaGen{types: types, fields: fields, defs: map[string]any{}}
	g.of(reflect.TypeFor[undocumented]())
	want := []string{
		"type undocumented has no doc comment",
		"undocumented.NoTag has no JSON name",
		`undocumented.CamelCase: JSON name "camelCase" is not snake_case`,
		"undocumented.CamelCase has no doc comment",
		"undocumented.Sometimes: omitempty makes the field come and go; the schema wants it always there",
		"undocumented.Sometimes has no doc comment",
		"func(): a type the schema has no word for",
		"undocumented.Fn has no doc comment",
	}
	if !slices.Equal(g.bad, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(g.bad, "\n"), strings.Join(want, "\n"))
	}
}

// The conformance check finds what departs from the schema.
func TestConformFinds(t *testing.T) {
	body := []byte(`{"id": 1, "killed": "yes", "extra": 2}`)
	var doc struct {
		Defs map[string]any `json:"$defs"`
	}
	schema, _ := files.ReadFile("schema.json")
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(body, &v)
	got := conform(doc.Defs, map[string]any{"$ref": "#/$defs/KillReply"}, v, "KillReply")
	slices.Sort(got)
	want := []string{"KillReply.extra: not in the schema", "KillReply.killed: string, want boolean"}
	if !slices.Equal(got, want) {
		t.Errorf("conform = %q, want %q", got, want)
	}
}
