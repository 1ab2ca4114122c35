package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/potau/potau/internal/cfgerr"
)

// ConfigError is a config problem located in a file: it prints as
//
//	configs/x.yaml:12: unlearn.alpha: expected a number, got "high"
type ConfigError struct {
	File string
	Line int
	Path string
	Msg  string
}

func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 && !strings.HasPrefix(e.File, "--set") {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Path, e.Msg)
}

// tree is a YAML document whose nodes remember the file they came from, so
// that a merged config (extends, --set, sweeps) still points at the right
// file and line.
type tree struct {
	root *yaml.Node            // a mapping node
	file map[*yaml.Node]string // node → source file
}

// parseYAML parses data as exactly one YAML document: a second document
// (after a "---" separator) and a key repeated in a mapping are errors
// naming name, the line and the key path. It returns the document node
// (Kind 0 for an empty input).
func parseYAML(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, yamlSyntaxError(name, err)
	}
	var second yaml.Node
	if err := dec.Decode(&second); err != io.EOF {
		line := second.Line
		if err != nil {
			line = 0
		} else if line == 0 {
			line = secondDocLine(data)
		}
		return nil, &ConfigError{File: name, Line: line, Msg: "a second YAML document (after ---): a config is a single document"}
	}
	if err := checkDuplicates(name, &doc, ""); err != nil {
		return nil, err
	}
	return &doc, nil
}

// secondDocLine returns the line of the second "---" marker, or of the
// first one after content, or 0.
func secondDocLine(data []byte) int {
	content := false
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "---" || strings.HasPrefix(l, "--- ") {
			if content {
				return i + 1
			}
			content = true
			continue
		}
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "%") {
			content = true
		}
	}
	return 0
}

// checkDuplicates reports the first mapping key that appears twice under
// the same mapping. Aliases are checked where their anchor is.
func checkDuplicates(name string, n *yaml.Node, path string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := checkDuplicates(name, c, path); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		first := make(map[string]int, len(n.Content)/2)
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := n.Content[j]
			p := joinPath(path, k.Value)
			if k.Kind == yaml.ScalarNode {
				if l, dup := first[k.Value]; dup {
					return &ConfigError{File: name, Line: k.Line, Path: p, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, l)}
				}
				first[k.Value] = k.Line
			}
			if err := checkDuplicates(name, n.Content[j+1], p); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := checkDuplicates(name, c, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseTree(name string, data []byte) (*tree, error) {
	doc, err := parseYAML(name, data)
	if err != nil {
		return nil, err
	}
	t := &tree{file: map[*yaml.Node]string{}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		t.root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t.file[t.root] = name
		return t, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ConfigError{File: name, Line: root.Line, Msg: "expected a mapping of config keys at the top level"}
	}
	t.root = root
	t.mark(root, name)
	return t, nil
}

func yamlSyntaxError(name string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	// yaml.v3 reports "line N: ..." for syntax errors.
	if strings.HasPrefix(msg, "line ") {
		rest := msg[len("line "):]
		if i := strings.Index(rest, ":"); i > 0 {
			if n, e := strconv.Atoi(rest[:i]); e == nil {
				return &ConfigError{File: name, Line: n, Msg: "invalid YAML: " + strings.TrimSpace(rest[i+1:])}
			}
		}
	}
	return &ConfigError{File: name, Msg: "invalid YAML: " + msg}
}

func (t *tree) mark(n *yaml.Node, name string) {
	t.file[n] = name
	for _, c := range n.Content {
		t.mark(c, name)
	}
}

// clone deep-copies the tree.
func (t *tree) clone() *tree {
	c := &tree{file: make(map[*yaml.Node]string, len(t.file))}
	c.root = c.copyNode(t, t.root)
	return c
}

func (c *tree) copyNode(src *tree, n *yaml.Node) *yaml.Node {
	m := *n
	m.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		m.Content[i] = c.copyNode(src, ch)
	}
	c.file[&m] = src.file[n]
	return &m
}

// lookup returns the value node at a dotted path, or nil.
func (t *tree) lookup(path string) (key, val *yaml.Node) {
	n := t.root
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if n.Kind != yaml.MappingNode {
			return nil, nil
		}
		found := false
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == p {
				key, n = n.Content[j], n.Content[j+1]
				found = true
				break
			}
		}
		if !found {
			return nil, nil
		}
		if i == len(parts)-1 {
			return key, n
		}
	}
	return nil, nil
}

// set replaces (or creates) the value at a dotted path with v, whose nodes
// are attributed to file.
func (t *tree) set(path string, v *yaml.Node, file string) error {
	n := t.root
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if p == "" {
			return fmt.Errorf("empty key in path %q", path)
		}
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("%s is not a mapping", strings.Join(parts[:i], "."))
		}
		idx := -1
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == p {
				idx = j
				break
			}
		}
		last := i == len(parts)-1
		if idx < 0 {
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p, Line: v.Line}
			var child *yaml.Node
			if last {
				child = v
			} else {
				child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line}
			}
			t.file[k] = file
			t.mark(child, file)
			n.Content = append(n.Content, k, child)
			n = child
			continue
		}
		if last {
			t.mark(v, file)
			n.Content[idx+1] = v
			return nil
		}
		n = n.Content[idx+1]
	}
	return nil
}

// setSweep applies a --set to the sweep block. A sweep key is a whole
// dotted config path, so "sweep.unlearn.alpha" sets the one axis
// "unlearn.alpha"; "sweep" with a mapping sets each axis it names and keeps
// the config's other axes (to stop sweeping a path, --set the path itself
// to one value).
func (t *tree) setSweep(path string, v *yaml.Node, file string) error {
	var axes [][2]*yaml.Node
	if axis, ok := strings.CutPrefix(path, "sweep."); ok {
		axes = append(axes, [2]*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: axis, Line: v.Line}, v})
	} else {
		if v.Kind != yaml.MappingNode {
			return fmt.Errorf("expected a mapping of config paths to lists of values, got %s", describe(v))
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			axes = append(axes, [2]*yaml.Node{v.Content[j], v.Content[j+1]})
		}
	}
	_, sw := t.lookup("sweep")
	if sw == nil || sw.Kind != yaml.MappingNode {
		sw = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line}
		if err := t.set("sweep", sw, file); err != nil {
			return err
		}
	}
	for _, kv := range axes {
		t.file[kv[0]] = file
		t.mark(kv[1], file)
		replaced := false
		for j := 0; j+1 < len(sw.Content); j += 2 {
			if sw.Content[j].Value == kv[0].Value {
				sw.Content[j+1] = kv[1]
				replaced = true
				break
			}
		}
		if !replaced {
			sw.Content = append(sw.Content, kv[0], kv[1])
		}
	}
	return nil
}

// remove deletes a top-level key.
func (t *tree) remove(key string) {
	n := t.root
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == key {
			n.Content = append(n.Content[:j], n.Content[j+2:]...)
			return
		}
	}
}

// merge overlays o onto t: mappings merge key by key, anything else in o
// replaces what t had.
func (t *tree) merge(o *tree) {
	mergeInto(t, t.root, o, o.root)
}

func mergeInto(t *tree, dst *yaml.Node, o *tree, src *yaml.Node) {
	for j := 0; j+1 < len(src.Content); j += 2 {
		k, v := src.Content[j], src.Content[j+1]
		idx := -1
		for i := 0; i+1 < len(dst.Content); i += 2 {
			if dst.Content[i].Value == k.Value {
				idx = i
				break
			}
		}
		if idx >= 0 && dst.Content[idx+1].Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
			mergeInto(t, dst.Content[idx+1], o, v)
			continue
		}
		kc, vc := t.copyNode(o, k), t.copyNode(o, v)
		if idx >= 0 {
			dst.Content[idx], dst.Content[idx+1] = kc, vc
		} else {
			dst.Content = append(dst.Content, kc, vc)
		}
	}
}

// decode strictly decodes node n into the value v (a pointer to the
// destination, pre-filled with defaults), reporting unknown keys and wrong
// types with file, line and key path.
func (t *tree) decode(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		// A cloned or merged tree copies the alias node but not its anchor:
		// the anchor lives in the alias's file, so errors there name it.
		if _, ok := t.file[n.Alias]; !ok {
			t.mark(n.Alias, t.file[n])
		}
		n = n.Alias
	}
	// Types that know how to decode themselves.
	if v.CanAddr() {
		if _, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
			if err := n.Decode(v.Addr().Interface()); err != nil {
				return t.errAt(n, path, cleanDecodeErr(err, n))
			}
			return nil
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return t.decode(n, v.Elem(), path)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Duration(0)) {
			break
		}
		if n.Kind != yaml.MappingNode {
			if isNull(n) {
				return nil
			}
			return t.errAt(n, path, fmt.Sprintf("expected a mapping, got %s", describe(n)))
		}
		fields := yamlFields(v.Type())
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, val := n.Content[j], n.Content[j+1]
			p := joinPath(path, k.Value)
			idx, ok := fields[k.Value]
			if !ok {
				known := knownKeys(v.Type())
				if path == "" {
					known += "; and extends, sweep, sweep_limit" // handled before decoding
				}
				return t.errAt(k, p, fmt.Sprintf("unknown key %q (known keys: %s)", k.Value, known))
			}
			if err := t.decode(val, v.FieldByIndex(idx), p); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if isNull(n) {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return t.errAt(n, path, fmt.Sprintf("expected a list, got %s", describe(n)))
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := t.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if isNull(n) {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return t.errAt(n, path, fmt.Sprintf("expected a mapping, got %s", describe(n)))
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, val := n.Content[j], n.Content[j+1]
			kv := reflect.New(v.Type().Key()).Elem()
			if err := t.decode(k, kv, path); err != nil {
				return err
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := t.decode(val, ev, joinPath(path, k.Value)); err != nil {
				return err
			}
			m.SetMapIndex(kv, ev)
		}
		v.Set(m)
		return nil
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			return t.errAt(n, path, cleanDecodeErr(err, n))
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
		return nil
	}
	// Scalars.
	if n.Kind != yaml.ScalarNode {
		return t.errAt(n, path, fmt.Sprintf("expected %s, got %s", kindName(v.Type()), describe(n)))
	}
	if isNull(n) {
		return t.errAt(n, path, fmt.Sprintf("expected %s, got null", kindName(v.Type())))
	}
	// yaml.v3 truncates a float into an integer (8.5 → 8): an integer
	// key takes an integer literal only.
	if isInt(v.Type()) && n.Tag != "!!int" && n.Tag != "!!str" {
		return t.errAt(n, path, fmt.Sprintf("expected %s, got %s", kindName(v.Type()), describe(n)))
	}
	tmp := reflect.New(v.Type())
	if err := n.Decode(tmp.Interface()); err != nil {
		return t.errAt(n, path, fmt.Sprintf("expected %s, got %s", kindName(v.Type()), describe(n)))
	}
	// yaml.v3 decodes a quoted "1" into an int without complaint; a string
	// where a number is wanted is a type error.
	if n.Tag == "!!str" && v.Kind() != reflect.String {
		return t.errAt(n, path, fmt.Sprintf("expected %s, got %s", kindName(v.Type()), describe(n)))
	}
	v.Set(tmp.Elem())
	return nil
}

func isInt(t reflect.Type) bool {
	if t == reflect.TypeOf(time.Duration(0)) {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func joinPath(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func (t *tree) errAt(n *yaml.Node, path, msg string) error {
	return &ConfigError{File: t.file[n], Line: n.Line, Path: path, Msg: msg}
}

func cleanDecodeErr(err error, n *yaml.Node) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "yaml:") {
		msg = msg[i+2:]
	}
	return msg
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!str":
		return strconv.Quote(n.Value)
	case "!!null":
		return "null"
	}
	return n.Value
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t == reflect.TypeOf(time.Duration(0)) {
			return "a duration (e.g. 90s)"
		}
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return t.String()
}

// yamlFields maps yaml keys to struct field indices (inline structs flattened).
func yamlFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			idx := append(append([]int{}, prefix...), i)
			if strings.Contains(opts, "inline") {
				walk(f.Type, idx)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out[name] = idx
		}
	}
	walk(t, nil)
	return out
}

func knownKeys(t reflect.Type) string {
	f := yamlFields(t)
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return strings.Join(keys, ", ")
}

// locate turns a validation error into a ConfigError pointing at the node
// of its key path (or the nearest existing parent).
func (t *tree) locate(err error, defaultFile string) error {
	var fe *cfgerr.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	path := fe.Path
	for p := path; p != ""; {
		if k, v := t.lookup(stripIndex(p)); k != nil {
			n := v
			if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
				n = k
			}
			return &ConfigError{File: t.file[n], Line: n.Line, Path: path, Msg: fe.Msg}
		}
		i := strings.LastIndex(p, ".")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return &ConfigError{File: defaultFile, Path: path, Msg: fe.Msg + " (default value)"}
}

func stripIndex(p string) string {
	if i := strings.Index(p, "["); i >= 0 {
		return p[:i]
	}
	return p
}

func readFile(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return b, nil
}
