package datasets

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The fixtures in testdata/pickle were written by numpy 1.24.2 (Debian's
// python3-numpy) with testdata/pickle/make.py; the expected contents below
// are the dicts that script saves.
func TestReadPickledLabels(t *testing.T) {
	for _, c := range []struct {
		file string
		want map[int64]string
	}{
		{"str_labels.npy", map[int64]string{0: "M", 1: "F", 2: "M", 3: "F"}},
		{"numpy_int_labels.npy", map[int64]string{0: "0", 1: "1", 2: "0", 3: "1"}},
		{"numpy_str_labels.npy", map[int64]string{0: "m", 1: "f", 2: "f", 3: "m"}},
		{"bool_labels.npy", map[int64]string{0: "True", 1: "False", 2: "True", 3: "False"}},
		{"missing_user.npy", map[int64]string{0: "M", 1: "F", 2: "M"}},
	} {
		got, err := readPickledLabels(filepath.Join("testdata", "pickle", c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.file, got, c.want)
		}
	}
}

// refBundle writes a reference bundle of 4 users (ids 0..3) without a user
// CSV, and copies the named pickle in as user_gender.npy.
func refBundle(t *testing.T, pickle string) string {
	t.Helper()
	dir := t.TempDir()
	writeText(t, dir, "train_interactions.csv", "0,1\n0,2\n1,0\n2,3\n3,4\n3,1\n")
	writeText(t, dir, "test_neg_interactions", "(0, 3)\t4\t5\n(1, 2)\t3\t4\n(2, 0)\t4\t5\n(3, 2)\t0\t5\n")
	if pickle != "" {
		b, err := os.ReadFile(filepath.Join("testdata", "pickle", pickle))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, RefPickledUsers), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReferenceReadsUserGenderNPY: a reference bundle with the authors'
// user_gender.npy and no user CSV loads unchanged.
func TestReferenceReadsUserGenderNPY(t *testing.T) {
	sp, err := LoadReference(refBundle(t, "str_labels.npy"), DefaultConfig().Reference)
	if err != nil {
		t.Fatal(err)
	}
	a := sp.Attributes["gender"]
	if a == nil || len(sp.Attributes) != 1 {
		t.Fatalf("attributes %v, want gender", sp.Attributes)
	}
	var got []string
	for _, l := range a.Labels {
		got = append(got, a.Classes[l])
	}
	if strings.Join(got, "") != "MFMF" {
		t.Errorf("labels %v, want M F M F", got)
	}
	// Named explicitly, under another name, the attribute follows the name.
	dir := refBundle(t, "numpy_int_labels.npy")
	os.Rename(filepath.Join(dir, RefPickledUsers), filepath.Join(dir, "user_age.npy"))
	rc := DefaultConfig().Reference
	rc.Users = "user_age.npy"
	if sp, err = LoadReference(dir, rc); err != nil || sp.Attributes["age"] == nil {
		t.Fatalf("user_age.npy: %v %v", err, sp)
	}
	// Without either file, the error names the CSV the config asks for.
	_, err = LoadReference(refBundle(t, ""), DefaultConfig().Reference)
	errContains(t, err, "user_attributes.csv", "no such file")
}

// TestPickledLabelsErrors: a wrong or malformed file is an error naming it.
func TestPickledLabelsErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "pickle", "str_labels.npy"))
	if err != nil {
		t.Fatal(err)
	}
	hdrEnd := bytes.IndexByte(good, '\n') + 1
	withPickle := func(p []byte) []byte { return append(append([]byte{}, good[:hdrEnd]...), p...) }
	// BINBYTES announcing 4 GB, with 3 bytes present.
	huge := binary.LittleEndian.AppendUint32([]byte{0x80, 3, 'B'}, 0xffffffff)
	huge = append(huge, "abc."...)
	for _, c := range []struct {
		name  string
		bytes []byte
		file  string // a fixture instead of bytes
		want  string
	}{
		{"object list", nil, "object_list.npy", "a |O array of shape [2]"},
		{"missing user", nil, "missing_user.npy", "user 3 (of train_interactions.csv) has no label"},
		{"unknown user", nil, "unknown_user.npy", "unknown user id 9"},
		{"truncated", good[:len(good)-20], "", "malformed pickle"},
		{"no STOP", good[:len(good)-1], "", "malformed pickle: no STOP opcode"},
		{"bytes after STOP", append(append([]byte{}, good...), 'N'), "", "1 bytes after STOP"},
		{"4 GB length", withPickle(huge), "", "an argument of 4294967295 bytes, but only 4 remain"},
		{"foreign global", withPickle([]byte("cos\nsystem\n(S'true'\ntR.")), "", "unsupported Python global os.system"},
		{"unknown opcode", withPickle([]byte{0x80, 3, 0xff, '.'}), "", "unknown opcode 0xff"},
		{"not a dict", withPickle([]byte{0x80, 3, 'K', 7, '.'}), "", "the pickle holds 7"},
		{"float array", nil, "", "a <f4 array of shape [1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := refBundle(t, c.file)
			p := filepath.Join(dir, RefPickledUsers)
			if c.bytes != nil {
				os.WriteFile(p, c.bytes, 0o644)
			}
			if c.name == "float array" {
				os.WriteFile(p, []byte("\x93NUMPY\x01\x00\x3a\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n\x00\x00\x80\x3f"), 0o644)
			}
			_, err := LoadReference(dir, DefaultConfig().Reference)
			errContains(t, err, p, c.want)
		})
	}
}

// FuzzReadPickledLabels: no input makes the reader panic or allocate
// beyond the file's size; errors name the file.
func FuzzReadPickledLabels(f *testing.F) {
	for _, n := range []string{"str_labels.npy", "numpy_int_labels.npy", "numpy_str_labels.npy", "bool_labels.npy", "object_list.npy"} {
		b, err := os.ReadFile(filepath.Join("testdata", "pickle", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "user_gender.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readPickledLabels(p); err != nil && !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}
