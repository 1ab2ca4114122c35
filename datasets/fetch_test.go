package datasets

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/potau/potau/internal/atomicfile/atomictest"
)

// TestVerifyReal: the shared offline copies pass; a copy with one changed
// byte fails naming the file.
func TestVerifyReal(t *testing.T) {
	dir := realData(t, NameML100K, "u.data", "u.user")
	checked, err := Verify(dir, NameML100K)
	if err != nil {
		t.Fatal(err)
	}
	if len(checked) != 7 || checked[0] != "u.data" {
		t.Errorf("checked %v", checked)
	}
	// A copy with one byte of u.user changed ('M' → 'F' on line 1).
	bad := t.TempDir()
	for _, f := range []string{"u.data", "u.user"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "u.user" {
			b = bytes.Replace(b, []byte("|M|"), []byte("|F|"), 1)
		}
		writeText(t, bad, f, string(b))
	}
	checked, err = Verify(bad, NameML100K)
	errContains(t, err, "u.user is corrupted", "SHA-256")
	if len(checked) != 1 || checked[0] != "u.data" {
		t.Errorf("checked before the failure: %v", checked)
	}

	m1 := realData(t, NameML1M, "users.dat")
	// The offline ML-1M copy lacks ratings.dat: it cannot be loaded, so it
	// does not verify.
	_, err = Verify(m1, NameML1M)
	errContains(t, err, "verify ml-1m: required file", "ratings.dat is missing")
	// An ML-100K copy without u.info (not needed) verifies and says so;
	// without u.data (needed) it does not.
	part := t.TempDir()
	for _, f := range []string{"u.data", "u.user", "u.item", "u.genre", "u.occupation", "README"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		writeText(t, part, f, string(b))
	}
	if checked, err = Verify(part, NameML100K); err != nil || !slices.Contains(checked, "u.info (missing)") {
		t.Errorf("copy without u.info: %v %v", checked, err)
	}
	os.Remove(filepath.Join(part, "u.data"))
	_, err = Verify(part, NameML100K)
	errContains(t, err, "required file", "u.data is missing")
	// LocateCopy finds the partial copy that Locate rejects.
	t.Setenv(EnvData, filepath.Dir(m1))
	if got, err := LocateCopy(NameML1M, ""); err != nil || got != m1 {
		t.Errorf("LocateCopy: %q %v", got, err)
	}
	if _, err := Locate(NameML1M, ""); err == nil {
		t.Error("Locate accepted an ML-1M copy without ratings.dat")
	}
	_, err = LocateCopy(NameML1M, t.TempDir())
	errContains(t, err, "no local copy holding users.dat")
	_, err = Verify(t.TempDir(), NameML1M)
	errContains(t, err, "required file", "ratings.dat is missing")
	_, err = Verify(dir, "synthetic")
	errContains(t, err, "no checksums")
}

// fakeSource builds a zip archive shaped like a GroupLens one and a source
// describing it.
func fakeSource(t *testing.T, url string, entries map[string]string) (source, []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	src := source{name: NameML100K, url: url, prefix: "ml-100k/", required: []string{"u.data"}}
	for _, name := range sortedKeys(entries) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, entries[name])
		if strings.HasPrefix(name, "ml-100k/") && !strings.Contains(name, "..") && !strings.HasSuffix(name, "/") {
			sum := sha256.Sum256([]byte(entries[name]))
			src.files = append(src.files, fileSum{strings.TrimPrefix(name, "ml-100k/"), int64(len(entries[name])), hex.EncodeToString(sum[:])})
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	m := md5.Sum(buf.Bytes())
	src.md5 = hex.EncodeToString(m[:])
	return src, buf.Bytes()
}

func TestFetch(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	defer srv.Close()
	good := map[string]string{"ml-100k/u.data": "1\t2\t3\t4\n", "ml-100k/u.user": "1|24|M|x|1\n", "ml-100k/": "", "other/ignored": "x"}

	t.Run("ok and atomic replace", func(t *testing.T) {
		root := t.TempDir()
		src, zb := fakeSource(t, srv.URL, good)
		body = zb
		var progress bytes.Buffer
		dir, err := fetchInto(context.Background(), srv.Client(), src, root, &progress)
		if err != nil {
			t.Fatal(err)
		}
		if dir != filepath.Join(root, NameML100K) {
			t.Errorf("dir %s", dir)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "u.data")); string(b) != "1\t2\t3\t4\n" {
			t.Errorf("u.data = %q", b)
		}
		if !strings.Contains(progress.String(), "verified and stored") {
			t.Errorf("progress: %q", progress.String())
		}
		// Fetching again replaces the copy and leaves no temporaries; the
		// new copy is published whole (atomicfile) and its parent synced.
		writeText(t, dir, "stale", "x")
		files := atomictest.Start(t)
		if _, err := fetchInto(context.Background(), srv.Client(), src, root, nil); err != nil {
			t.Fatal(err)
		}
		files.Check(t, 2, root)
		ents, _ := os.ReadDir(root)
		if len(ents) != 1 || ents[0].Name() != NameML100K {
			t.Errorf("cache root holds %v", ents)
		}
		if fileExists(filepath.Join(dir, "stale")) {
			t.Error("old copy not replaced")
		}
		if _, err := os.Stat(filepath.Join(dir, "ignored")); err == nil {
			t.Error("entry outside the archive folder extracted")
		}
	})
	tests := []struct {
		name    string
		entries map[string]string
		mutate  func(*source, *[]byte)
		want    []string
	}{
		{"md5 mismatch", good, func(s *source, b *[]byte) { s.md5 = strings.Repeat("0", 32) }, []string{"MD5", "GroupLens publishes"}},
		{"sha mismatch", good, func(s *source, b *[]byte) { s.files[0].sha256 = strings.Repeat("0", 64) }, []string{"corrupted"}},
		{"zip slip", map[string]string{"ml-100k/u.data": "x", "ml-100k/../../evil": "x"}, nil, []string{"outside the target folder"}},
		{"absolute name", map[string]string{"ml-100k/u.data": "x", "/etc/evil": "x"}, nil, []string{"outside the target folder"}},
		{"backslash", map[string]string{"ml-100k/u.data": "x", `ml-100k\..\evil`: "x"}, nil, []string{"outside the target folder"}},
		{"missing file", good, func(s *source, b *[]byte) {
			s.files = append(s.files, fileSum{"u.item", 1, strings.Repeat("0", 64)})
		}, []string{"archive has no ml-100k/u.item"}},
		{"not a zip", good, func(s *source, b *[]byte) {
			*b = []byte("<html>not found</html>")
			m := md5.Sum(*b)
			s.md5 = hex.EncodeToString(m[:])
		}, []string{"open archive"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			src, zb := fakeSource(t, srv.URL, tc.entries)
			if tc.mutate != nil {
				tc.mutate(&src, &zb)
			}
			body = zb
			_, err := fetchInto(context.Background(), srv.Client(), src, root, nil)
			errContains(t, err, tc.want...)
			ents, _ := os.ReadDir(root)
			if len(ents) != 0 {
				t.Errorf("failed fetch left %v in the cache", ents)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(root), "evil")); err == nil {
				t.Error("zip slip wrote outside the folder")
			}
		})
	}
	t.Run("http error", func(t *testing.T) {
		srv404 := httptest.NewServer(http.NotFoundHandler())
		defer srv404.Close()
		src, _ := fakeSource(t, srv404.URL, good)
		_, err := fetchInto(context.Background(), srv404.Client(), src, t.TempDir(), nil)
		errContains(t, err, "HTTP 404")
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		src, _ := fakeSource(t, srv.URL, good)
		_, err := fetchInto(ctx, srv.Client(), src, t.TempDir(), nil)
		errContains(t, err, "canceled")
	})
	_, err := Fetch(context.Background(), "synthetic", nil)
	errContains(t, err, "can download ml-100k or ml-1m")
}

// TestLocate checks the search order and the single error listing every
// option.
func TestLocate(t *testing.T) {
	env, cacheBase := t.TempDir(), t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheBase)
	t.Setenv("HOME", cacheBase)
	t.Setenv(EnvData, env)
	cache := filepath.Join(cacheBase, "potau", "datasets")
	mk := func(dir string) {
		writeText(t, dir, "u.data", "1\t1\t1\t1\n")
		writeText(t, dir, "u.user", "1|1|M|x|1\n")
	}
	if got, err := CacheDir(); err != nil || got != cache {
		t.Skipf("user cache dir is %s, not under XDG_CACHE_HOME (%v)", got, err)
	}
	// Nothing anywhere: one error with every option.
	_, err := Locate(NameML100K, "")
	errContains(t, err, "ml-100k: data not found", "$POTAU_DATA/ml-100k", "user cache", "data.path",
		"POTAU_DATA", `potau data fetch ml-100k`, ML100KURL)
	// Cache only.
	mk(filepath.Join(cache, NameML100K))
	if got, err := Locate(NameML100K, ""); err != nil || got != filepath.Join(cache, NameML100K) {
		t.Errorf("cache: %s %v", got, err)
	}
	// $POTAU_DATA beats the cache.
	mk(filepath.Join(env, NameML100K))
	if got, err := Locate(NameML100K, ""); err != nil || got != filepath.Join(env, NameML100K) {
		t.Errorf("env: %s %v", got, err)
	}
	// data.path beats both, as the folder itself or its parent.
	p := t.TempDir()
	mk(filepath.Join(p, NameML100K))
	if got, err := Locate(NameML100K, p); err != nil || got != filepath.Join(p, NameML100K) {
		t.Errorf("path parent: %s %v", got, err)
	}
	if got, err := Locate(NameML100K, filepath.Join(p, NameML100K)); err != nil || got != filepath.Join(p, NameML100K) {
		t.Errorf("path: %s %v", got, err)
	}
	// A wrong explicit path is an error, not a silent fallback.
	_, err = Locate(NameML100K, t.TempDir())
	errContains(t, err, "data.path does not hold", "has no u.data")
	// ml-1m without ratings.dat (like the offline copy) is not found.
	writeText(t, filepath.Join(env, NameML1M), "users.dat", "1::F::1::10::48067\n")
	_, err = Locate(NameML1M, "")
	errContains(t, err, "has no ratings.dat or ratings.dat.gz", "potau data fetch ml-1m")
	if got, err := Locate(NameSynthetic, ""); err != nil || got != "" {
		t.Errorf("synthetic: %q %v", got, err)
	}
	_, err = Locate("nope", "")
	errContains(t, err, `unknown data set "nope"`)
	_, err = Locate(NameReference, "")
	errContains(t, err, "needs data.path")
	if got, err := Locate(NameGeneric, ""); err != nil || got != "" {
		t.Errorf("generic without path: %q %v (files resolve against the working directory)", got, err)
	}

	// Load goes through Locate.
	c := DefaultConfig()
	c.Name = NameML100K
	d, err := Load(context.Background(), c)
	if err != nil || d.NumUsers() != 1 {
		t.Errorf("Load via $POTAU_DATA: %v", err)
	}
}
