package rng

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/potau/potau"

// nonLiteralStreams lists the call sites (file:function) allowed to pass a
// stream name that is neither a string literal, a package-level string
// constant, nor such a prefix followed by "+ expr" (a family of streams),
// each with the reason. It is empty: every stream of the module is named
// where it is drawn.
var nonLiteralStreams = map[string]string{}

// streamSite is one call of New, Source or Key in the module's non-test code.
type streamSite struct {
	name, pos string
}

// TestStreamNames parses every non-test Go file of the module, collects the
// stream name of each call of rng.New, rng.Source and rng.Key, and requires
// that each name be a string literal (or a package-level string constant)
// prefixed by its package's folder ("recmodels/negatives" in recmodels/),
// and that no two call sites share a name: two consumers of one stream
// under one root seed would draw the same numbers (as the data set's test
// negatives and the trainer's epoch negatives once did). A name built as
// "prefix" + expr is a family of streams: its prefix follows the same rules
// and no other name may start with it.
func TestStreamNames(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.Contains(string(b), "module "+modulePath+"\n") {
		t.Fatalf("%s is not the module root (%v)", root, err)
	}
	sites, problems := collectStreams(t, root)
	for _, p := range problems {
		t.Error(p)
	}
	byName := map[string][]string{}
	for _, s := range sites {
		byName[s.name] = append(byName[s.name], s.pos)
	}
	for name, pos := range byName {
		if len(pos) > 1 {
			slices.Sort(pos)
			t.Errorf("stream %q is drawn at %d call sites: %s", name, len(pos), strings.Join(pos, ", "))
		}
		if prefix, ok := strings.CutSuffix(name, "*"); ok {
			for other, opos := range byName {
				if other != name && strings.HasPrefix(other, prefix) {
					t.Errorf("stream %q (%s) falls in the family %q (%s)", other, opos[0], name, pos[0])
				}
			}
		}
	}
	// The test must see the streams it exists for.
	for _, want := range []string{"datasets/negatives", "recmodels/negatives", "recmodels/init", "attackers/attack-fit", "unlearning/adv-head"} {
		if _, ok := byName[want]; !ok {
			t.Errorf("stream %q not found: the scan misses call sites", want)
		}
	}
	t.Logf("%d streams at %d call sites", len(byName), len(sites))
}

func collectStreams(t *testing.T, root string) (sites []streamSite, problems []string) {
	t.Helper()
	dirs := map[string][]string{} // folder → its non-test Go files
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for dir, files := range dirs {
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		if rel == "internal/rng" {
			continue // the package itself passes names through
		}
		var parsed []*ast.File
		consts := map[string]string{} // package-level string constants
		for _, f := range files {
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			parsed = append(parsed, af)
			for _, decl := range af.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if i < len(vs.Values) {
							if s, ok := stringLit(vs.Values[i]); ok {
								consts[id.Name] = s
							}
						}
					}
				}
			}
		}
		for _, af := range parsed {
			local := rngImportName(af)
			if local == "" {
				continue
			}
			for _, decl := range af.Decls {
				fn := "(package level)"
				if fd, ok := decl.(*ast.FuncDecl); ok {
					fn = fd.Name.Name
				}
				ast.Inspect(decl, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					sel, ok := call.Fun.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					if x, ok := sel.X.(*ast.Ident); !ok || x.Name != local {
						return true
					}
					switch sel.Sel.Name {
					case "New", "Source", "Key":
					default:
						return true
					}
					p := fset.Position(call.Pos())
					file, _ := filepath.Rel(root, p.Filename)
					pos := filepath.ToSlash(file) + ":" + strconv.Itoa(p.Line)
					site := filepath.ToSlash(file) + ":" + fn
					if len(call.Args) < 2 {
						problems = append(problems, pos+": rng."+sel.Sel.Name+" without a stream name")
						return true
					}
					arg, family := call.Args[1], false
					if be, isBin := arg.(*ast.BinaryExpr); isBin && be.Op == token.ADD {
						for {
							inner, more := be.X.(*ast.BinaryExpr)
							if !more || inner.Op != token.ADD {
								break
							}
							be = inner
						}
						arg, family = be.X, true
					}
					name, ok := stringLit(arg)
					if !ok {
						if id, isID := arg.(*ast.Ident); isID {
							name, ok = consts[id.Name]
						}
					}
					if !ok {
						if _, allowed := nonLiteralStreams[site]; !allowed {
							problems = append(problems, pos+": the stream name of rng."+sel.Sel.Name+" is not a string literal or constant (allow-list "+site+" with a reason)")
						}
						return true
					}
					if !strings.HasPrefix(name, rel+"/") || len(name) == len(rel)+1 {
						problems = append(problems, pos+": stream "+strconv.Quote(name)+" is not namespaced by its package (want "+strconv.Quote(rel+"/…")+")")
					}
					if family {
						name += "*"
					}
					sites = append(sites, streamSite{name: name, pos: pos})
					return true
				})
			}
		}
	}
	return sites, problems
}

// stringLit returns the value of a string literal.
func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// rngImportName returns the name under which f imports this package, or "".
func rngImportName(f *ast.File) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == modulePath+"/internal/rng" {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return "rng"
		}
	}
	return ""
}
