// Package structdoc reads the doc comments of struct fields from Go source
// and keys them by the fields' YAML paths ("model.lr", "data.split.method"),
// so a command can print a config's keys with their documentation. It reads
// source files, not a binary: a generator (experiments/gen_configdoc.go) runs
// it and commits the result, and a test checks the result is current.
package structdoc

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// pkg is one parsed package: its struct types and, per file, its imports.
type pkg struct {
	structs map[string]*ast.StructType
	imports map[*ast.StructType]map[string]string // local name → import path
}

// Docs returns the doc comment of every field reachable from struct type
// root of package rootPath, keyed by its dotted YAML path. dirs maps import
// paths to package folders; a field whose type lives in a package not in
// dirs is documented but not descended into. Fields tagged yaml:"-" are
// skipped, ",inline" fields add their fields at the same path.
func Docs(dirs map[string]string, rootPath, root string) (map[string]string, error) {
	pkgs := map[string]*pkg{}
	for ip, dir := range dirs {
		p, err := parsePkg(dir)
		if err != nil {
			return nil, err
		}
		pkgs[ip] = p
	}
	rp, ok := pkgs[rootPath]
	if !ok {
		return nil, fmt.Errorf("structdoc: package %s not among the folders", rootPath)
	}
	st, ok := rp.structs[root]
	if !ok {
		return nil, fmt.Errorf("structdoc: no struct type %s in %s", root, rootPath)
	}
	out := map[string]string{}
	walk(pkgs, rootPath, st, "", out, 0)
	return out, nil
}

func parsePkg(dir string) (*pkg, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &pkg{structs: map[string]*ast.StructType{}, imports: map[*ast.StructType]map[string]string{}}
	fset := token.NewFileSet()
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		imps := map[string]string{}
		for _, is := range f.Imports {
			path, _ := strconv.Unquote(is.Path.Value)
			name := path[strings.LastIndex(path, "/")+1:]
			if is.Name != nil {
				name = is.Name.Name
			}
			imps[name] = path
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				p.structs[ts.Name.Name] = st
				p.imports[st] = imps
			}
			return false
		})
	}
	return p, nil
}

// walk records the fields of st (of package ip) under prefix.
func walk(pkgs map[string]*pkg, ip string, st *ast.StructType, prefix string, out map[string]string, depth int) {
	if depth > 16 {
		return // a recursive type; configs have none
	}
	prevDoc := ""
	for _, f := range st.Fields.List {
		// A field without a comment shares the comment of the field above
		// it ("Beta1 and Beta2 are …" over two fields), as in Go source.
		doc := docText(f)
		if doc == "" {
			doc = prevDoc
		}
		prevDoc = doc
		name, inline, skip := yamlName(f)
		if skip {
			continue
		}
		path := prefix
		if !inline {
			if name == "" {
				continue
			}
			path = join(prefix, name)
			if doc != "" {
				out[path] = doc
			}
		}
		// Descend into struct types (possibly behind a pointer).
		t := f.Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		tip, tname := ip, ""
		switch x := t.(type) {
		case *ast.Ident:
			tname = x.Name
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				tip = pkgs[ip].imports[st][id.Name]
				tname = x.Sel.Name
			}
		}
		if p, ok := pkgs[tip]; ok && tname != "" {
			if sub, ok := p.structs[tname]; ok {
				walk(pkgs, tip, sub, path, out, depth+1)
			}
		}
	}
}

// yamlName reads a field's YAML key from its tag (the lower-cased field
// name without one, as yaml.v3 does).
func yamlName(f *ast.Field) (name string, inline, skip bool) {
	tag := ""
	if f.Tag != nil {
		tag, _ = strconv.Unquote(f.Tag.Value)
	}
	y, ok := reflect.StructTag(tag).Lookup("yaml")
	if ok {
		parts := strings.Split(y, ",")
		if parts[0] == "-" {
			return "", false, true
		}
		for _, o := range parts[1:] {
			if o == "inline" {
				return "", true, false
			}
		}
		if parts[0] != "" {
			return parts[0], false, false
		}
	}
	if len(f.Names) == 0 {
		return "", false, true // an embedded field without a tag
	}
	if !f.Names[0].IsExported() {
		return "", false, true
	}
	return strings.ToLower(f.Names[0].Name), false, false
}

// docText is a field's doc comment (or trailing comment), as one paragraph.
func docText(f *ast.Field) string {
	g := f.Doc
	if g == nil {
		g = f.Comment
	}
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// GoSource renders docs as a Go file of package pkgName declaring var
// varName map[string]string, keys sorted, gofmt-formatted, for go:generate.
func GoSource(pkgName, varName, generator string, docs map[string]string) []byte {
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by %s; DO NOT EDIT.\n\npackage %s\n\n", generator, pkgName)
	fmt.Fprintf(&b, "// %s maps each config key's YAML path to its field's doc comment.\nvar %s = map[string]string{\n", varName, varName)
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%q: %q,\n", k, docs[k])
	}
	b.WriteString("}\n")
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		panic(err) // the text above is valid Go by construction
	}
	return src
}
