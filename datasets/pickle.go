package datasets

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/potau/potau/internal/npy"
)

// readPickledLabels reads the reference implementation's user attribute
// file: a Python dict user → label saved with np.save, i.e. a .npy file of
// dtype '|O' and shape () whose data is the pickle (protocol ≤ 5) of a 0-d
// numpy object array holding the dict. Keys must be integers (Python or
// numpy); labels Python or numpy integers, booleans or strings, returned as
// their decimal or text form. Only the classes such a file names are
// known (numpy's ndarray, dtype, _reconstruct and scalar); anything else in
// the pickle, and any malformed byte, is an error naming the file.
func readPickledLabels(path string) (map[int64]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	br := bufio.NewReader(f)
	h, err := npy.ReadHeader(br, path, st.Size())
	if err != nil {
		return nil, err
	}
	if h.Descr != "|O" || len(h.Shape) != 0 {
		return nil, fmt.Errorf("%s: a %s array of shape %v; want a pickled dict user → label (np.save of a dict: dtype '|O', shape ())", path, h.Descr, h.Shape)
	}
	// The whole pickle is read (it is bounded by the file size) and scanned
	// first, so that no length it announces can exceed what is there.
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := scanPickle(data); err != nil {
		return nil, fmt.Errorf("%s: malformed pickle: %w", path, err)
	}
	v, err := unpickle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: malformed pickle: %w", path, err)
	}
	arr, ok := v.(*ndarray)
	if !ok || len(arr.shape) != 0 || len(arr.data) != 1 {
		return nil, fmt.Errorf("%s: the pickle holds %s, want a 0-d numpy object array holding a dict", path, describePy(v))
	}
	var entries []types.DictEntry
	switch d := arr.data[0].(type) {
	case *types.Dict:
		entries = *d
	default:
		return nil, fmt.Errorf("%s: the array holds %s, want a dict user → label", path, describePy(arr.data[0]))
	}
	out := make(map[int64]string, len(entries))
	for _, e := range entries {
		k, ok := pyInt(e.Key)
		if !ok {
			return nil, fmt.Errorf("%s: dict key %s is not an integer user id", path, describePy(e.Key))
		}
		if k < 0 {
			return nil, fmt.Errorf("%s: negative user id %d", path, k)
		}
		lab, ok := pyLabel(e.Value)
		if !ok {
			return nil, fmt.Errorf("%s: the label of user %d is %s, want an integer, a boolean or a string", path, k, describePy(e.Value))
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%s: user %d appears twice", path, k)
		}
		out[k] = lab
	}
	return out, nil
}

// unpickle runs the pickle machine with numpy's classes; a panic inside
// the decoder (it trusts its input in places) becomes an error.
func unpickle(data []byte) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%v", r)
		}
	}()
	u := pickle.NewUnpickler(strings.NewReader(string(data)))
	u.FindClass = findNumpyClass
	u.PersistentLoad = func(any) (any, error) { return nil, errors.New("persistent ids are not supported") }
	u.GetExtension = func(int) (any, error) { return nil, errors.New("extension codes are not supported") }
	u.NextBuffer = func() (any, error) { return nil, errors.New("out-of-band buffers are not supported") }
	return u.Load()
}

func findNumpyClass(module, name string) (any, error) {
	switch module + "." + name {
	case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct":
		return reconstructFunc{}, nil
	case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar":
		return scalarFunc{}, nil
	case "numpy.dtype":
		return dtypeClass{}, nil
	case "numpy.ndarray":
		return ndarrayClass{}, nil
	}
	return nil, fmt.Errorf("unsupported Python global %s.%s", module, name)
}

type ndarrayClass struct{}

// reconstructFunc is numpy.core.multiarray._reconstruct(cls, shape, typecode).
type reconstructFunc struct{}

func (reconstructFunc) Call(args ...any) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("_reconstruct takes 3 arguments, got %d", len(args))
	}
	if _, ok := args[0].(ndarrayClass); !ok {
		return nil, fmt.Errorf("_reconstruct of %s, want numpy.ndarray", describePy(args[0]))
	}
	return &ndarray{}, nil
}

// ndarray is a numpy array restored by __setstate__; only object arrays
// (their data a list of Python objects) are kept.
type ndarray struct {
	shape []int
	dtype *dtype
	data  []any
}

// PySetState takes (version, shape, dtype, is_fortran, data).
func (a *ndarray) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok || t.Len() != 5 {
		return fmt.Errorf("ndarray state is %s, want a 5-tuple", describePy(state))
	}
	sh, ok := t.Get(1).(*types.Tuple)
	if !ok {
		return fmt.Errorf("ndarray shape is %s, want a tuple", describePy(t.Get(1)))
	}
	for _, d := range *sh {
		n, ok := pyInt(d)
		if !ok || n < 0 || n > math.MaxInt32 {
			return fmt.Errorf("ndarray dimension %s", describePy(d))
		}
		a.shape = append(a.shape, int(n))
	}
	dt, ok := t.Get(2).(*dtype)
	if !ok {
		return fmt.Errorf("ndarray dtype is %s", describePy(t.Get(2)))
	}
	a.dtype = dt
	if dt.kind != 'O' {
		return fmt.Errorf("ndarray of dtype %s, want an object array", dt.str)
	}
	l, ok := t.Get(4).(*types.List)
	if !ok {
		return fmt.Errorf("object array data is %s, want a list", describePy(t.Get(4)))
	}
	a.data = []any(*l)
	return nil
}

// dtypeClass is numpy.dtype(str, align, copy).
type dtypeClass struct{}

type dtype struct {
	str   string // e.g. "i8", "U1", "O8", "b1"
	kind  byte   // 'i', 'u', 'b', 'f', 'U', 'O'
	size  int    // bytes per item ('U': characters)
	order byte   // '<', '>', '|' or '='
}

func (dtypeClass) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("dtype without arguments")
	}
	s, ok := args[0].(string)
	if !ok || len(s) < 2 {
		return nil, fmt.Errorf("dtype %s", describePy(args[0]))
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n <= 0 || n > 1<<20 {
		return nil, fmt.Errorf("dtype %q", s)
	}
	switch s[0] {
	case 'i', 'u', 'b', 'f', 'U', 'O':
	default:
		return nil, fmt.Errorf("unsupported dtype %q", s)
	}
	return &dtype{str: s, kind: s[0], size: n, order: '='}, nil
}

// PySetState takes (version, byte order, …).
func (d *dtype) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok || t.Len() < 2 {
		return fmt.Errorf("dtype state is %s", describePy(state))
	}
	o, ok := t.Get(1).(string)
	if !ok || len(o) != 1 || !strings.Contains("<>|=", o) {
		return fmt.Errorf("dtype byte order %s", describePy(t.Get(1)))
	}
	d.order = o[0]
	return nil
}

// scalarFunc is numpy.core.multiarray.scalar(dtype, raw bytes): a numpy
// scalar, returned as the Go int64, bool, float64 or string it holds.
type scalarFunc struct{}

func (scalarFunc) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("scalar takes 2 arguments, got %d", len(args))
	}
	d, ok := args[0].(*dtype)
	if !ok {
		return nil, fmt.Errorf("scalar of %s", describePy(args[0]))
	}
	var raw []byte
	switch b := args[1].(type) {
	case []byte:
		raw = b
	case string: // protocol 2 and Python 2 pickles carry latin-1 text
		for _, r := range b {
			raw = append(raw, byte(r))
		}
	default:
		return nil, fmt.Errorf("scalar data %s", describePy(args[1]))
	}
	var order binary.ByteOrder = binary.LittleEndian
	if d.order == '>' {
		order = binary.BigEndian
	}
	want := d.size
	if d.kind == 'U' {
		want = 4 * d.size
	}
	if len(raw) != want {
		return nil, fmt.Errorf("scalar of dtype %s holds %d bytes, want %d", d.str, len(raw), want)
	}
	switch {
	case d.kind == 'b' && d.size == 1:
		return raw[0] != 0, nil
	case (d.kind == 'i' || d.kind == 'u') && d.size <= 8:
		var u uint64
		for i := 0; i < d.size; i++ {
			k := i
			if order == binary.BigEndian {
				k = d.size - 1 - i
			}
			u |= uint64(raw[k]) << (8 * i)
		}
		if d.kind == 'i' && d.size < 8 && u&(1<<(8*d.size-1)) != 0 {
			u |= ^uint64(0) << (8 * d.size) // sign-extend
		}
		if d.kind == 'u' && u > math.MaxInt64 {
			return new(big.Int).SetUint64(u), nil
		}
		return int64(u), nil
	case d.kind == 'f' && d.size == 8:
		return math.Float64frombits(order.Uint64(raw)), nil
	case d.kind == 'f' && d.size == 4:
		return float64(math.Float32frombits(order.Uint32(raw))), nil
	case d.kind == 'U':
		var sb strings.Builder
		for i := 0; i < len(raw); i += 4 {
			r := rune(order.Uint32(raw[i:]))
			if r == 0 {
				break // numpy pads with NULs
			}
			if !utf8.ValidRune(r) {
				return nil, fmt.Errorf("scalar string holds an invalid code point %#x", r)
			}
			sb.WriteRune(r)
		}
		return sb.String(), nil
	}
	return nil, fmt.Errorf("unsupported scalar dtype %s", d.str)
}

// pyInt converts a Python or numpy integer to int64.
func pyInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), true
		}
	}
	return 0, false
}

// pyLabel converts a label value to its text.
func pyLabel(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return "", false
		}
		return x, true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	}
	if n, ok := pyInt(v); ok {
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}

func describePy(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return strconv.Quote(x)
	case int, int64, bool, float64:
		return fmt.Sprintf("%v", x)
	case *types.Dict:
		return "a dict"
	case *types.List:
		return "a list"
	case *types.Tuple:
		return "a tuple"
	case *ndarray:
		return fmt.Sprintf("a numpy array of shape %v", x.shape)
	}
	return fmt.Sprintf("a %T", v)
}

// scanPickle walks the opcodes of a pickle without executing them and
// checks that every argument — in particular every announced length — lies
// within data, and that the stream ends with STOP. The decoder allocates an
// announced length before reading it: the scan keeps a malformed file from
// costing more memory than its own size.
func scanPickle(data []byte) error {
	i := 0
	need := func(n uint64) error {
		if n > uint64(len(data)-i) {
			return fmt.Errorf("byte %d: an argument of %d bytes, but only %d remain", i, n, len(data)-i)
		}
		return nil
	}
	line := func() error {
		j := strings.IndexByte(string(data[i:]), '\n')
		if j < 0 {
			return fmt.Errorf("byte %d: unterminated text argument", i)
		}
		i += j + 1
		return nil
	}
	for i < len(data) {
		op := data[i]
		i++
		switch op {
		case '.': // STOP
			if i != len(data) {
				return fmt.Errorf("byte %d: %d bytes after STOP", i, len(data)-i)
			}
			return nil
		case '(', '0', '1', '2', 'N', 'R', 'a', 'b', 'd', '}', 'e', 'l', ']', 'o', 's', 't', ')', 'u',
			0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 'Q', 0x97, 0x98:
			// no argument
		case 'I', 'L', 'F', 'S', 'V', 'P', 'g', 'p':
			if err := line(); err != nil {
				return err
			}
		case 'i', 'c': // INST, GLOBAL: module and name lines
			if err := line(); err != nil {
				return err
			}
			if err := line(); err != nil {
				return err
			}
		case 'K', 'h', 'q', 0x82, 0x80:
			if err := need(1); err != nil {
				return err
			}
			i++
		case 'M', 0x83:
			if err := need(2); err != nil {
				return err
			}
			i += 2
		case 'J', 'j', 'r', 0x84:
			if err := need(4); err != nil {
				return err
			}
			i += 4
		case 'G', 0x95: // BINFLOAT, FRAME (its length only; the frame's opcodes follow)
			if err := need(8); err != nil {
				return err
			}
			if op == 0x95 {
				if err := need(8 + binary.LittleEndian.Uint64(data[i:])); err != nil {
					return err
				}
			}
			i += 8
		case 0x8a, 'U', 'C', 0x8c: // 1-byte length
			if err := need(1); err != nil {
				return err
			}
			n := uint64(data[i])
			i++
			if op == 0x8a && n == 0 {
				return fmt.Errorf("byte %d: LONG1 of zero bytes", i)
			}
			if err := need(n); err != nil {
				return err
			}
			i += int(n)
		case 0x8b, 'T', 'B', 'X': // 4-byte length
			if err := need(4); err != nil {
				return err
			}
			n := uint64(binary.LittleEndian.Uint32(data[i:]))
			i += 4
			if op == 0x8b && n == 0 {
				return fmt.Errorf("byte %d: LONG4 of zero bytes", i)
			}
			if err := need(n); err != nil {
				return err
			}
			i += int(n)
		case 0x8e, 0x8d, 0x96: // 8-byte length
			if err := need(8); err != nil {
				return err
			}
			n := binary.LittleEndian.Uint64(data[i:])
			i += 8
			if err := need(n); err != nil {
				return err
			}
			i += int(n)
		default:
			return fmt.Errorf("byte %d: unknown opcode %#x", i-1, op)
		}
	}
	return errors.New("no STOP opcode at the end")
}
