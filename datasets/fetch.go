package datasets

import (
	"archive/zip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/potau/potau/internal/atomicfile"
)

// source is a GroupLens archive: where it is, its published MD5, and the
// SHA-256 of the files in it that potau knows (independently confirmed
// values from ../shared/datasets/README.md).
type source struct {
	name   string
	url    string
	md5    string
	prefix string // folder inside the zip
	files  []fileSum
	need   [][]string // files Load needs (alternatives per entry)
	// required are the files whose presence identifies a local copy
	// (LocateCopy). Verify insists on them and on every file Load needs;
	// others may be missing.
	required []string
}

// fileSum is one file's expected size and SHA-256.
type fileSum struct {
	name   string
	size   int64
	sha256 string
}

// GroupLens download URLs and published MD5 sums of the archives.
const (
	ML100KURL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
	ML100KMD5 = "0e33842e24a9c977be4e0107933c0723"
	ML1MURL   = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
	ML1MMD5   = "c4d9eecfca2ab87c1945afe126590906"
)

var sources = map[string]source{
	NameML100K: {
		name: NameML100K, url: ML100KURL, md5: ML100KMD5, prefix: "ml-100k/",
		files: []fileSum{
			{"u.data", 1979173, "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490"},
			{"u.user", 22628, "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c"},
			{"u.item", 236344, "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701"},
			{"u.info", 36, "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b"},
			{"u.genre", 202, "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb"},
			{"u.occupation", 193, "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d"},
			{"README", 6750, "4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52"},
		},
		need:     [][]string{ml100k.ratings, {ml100k.users}},
		required: []string{"u.data", "u.user"},
	},
	NameML1M: {
		name: NameML1M, url: ML1MURL, md5: ML1MMD5, prefix: "ml-1m/",
		files: []fileSum{
			{"ratings.dat", 24594131, "506d64ca44484487c11dc2d9a28de5c54948213e6b96285e298afe28d6ea4e0f"},
			{"users.dat", 134368, "1dc3a95300cb19f7c10e027daf29b8cdf1d908dab65b5edfb45950aa389a10a3"},
			{"movies.dat", 171308, "0140fc2356357c1a851d0f52e893a1e4d3696df632c4141cea8d5bc3d621f0b9"},
			{"README", 5577, "2d5ddce86ccbd247207456165827b4b9ddf27282bca93807d4c763e28414f133"},
		},
		need: [][]string{ml1m.ratings, {ml1m.users}},
		// An offline copy may lack ratings.dat (users.dat and movies.dat
		// only): LocateCopy finds it, and Verify fails naming ratings.dat.
		required: []string{"users.dat"},
	},
}

// Verify checks the MovieLens files in dir against their known SHA-256.
// It returns one entry per known file: the file name when it was checked,
// or "name (missing)" when it is absent. A file whose bytes differ is an
// error naming it; so is a missing file that loading needs (ml-100k: u.data,
// u.user; ml-1m: ratings.dat, users.dat): a copy that cannot be loaded does
// not verify. A ratings file gzipped in place (ratings.dat.gz) is checked
// decompressed.
func Verify(dir, name string) ([]string, error) {
	src, ok := sources[name]
	if !ok {
		return nil, fmt.Errorf("verify: no checksums for %q (known: %s, %s)", name, NameML100K, NameML1M)
	}
	return verifySource(dir, src)
}

// verifySource checks dir against src's file sums (see Verify).
func verifySource(dir string, src source) ([]string, error) {
	name := src.name
	var report []string
	for _, f := range src.files {
		p := filepath.Join(dir, f.name)
		gz := false
		if !fileExists(p) && fileExists(p+".gz") {
			p, gz = p+".gz", true
		}
		if !fileExists(p) {
			if src.needs(f.name) {
				return report, fmt.Errorf("verify %s: required file %s is missing (nor is there a %s.gz): the copy in %s cannot be loaded", name, p, f.name, dir)
			}
			report = append(report, f.name+" (missing)")
			continue
		}
		sum, n, err := hashFile(p, gz)
		if err != nil {
			return report, fmt.Errorf("verify %s: %w", name, err)
		}
		if sum != f.sha256 || n != f.size {
			return report, fmt.Errorf("verify %s: %s is corrupted or not the GroupLens file: %d bytes with SHA-256 %s, want %d bytes with SHA-256 %s",
				name, p, n, sum, f.size, f.sha256)
		}
		if gz {
			report = append(report, f.name+".gz")
		} else {
			report = append(report, f.name)
		}
	}
	return report, nil
}

// needs reports whether file is required or needed by the loader.
func (src source) needs(file string) bool {
	if slices.Contains(src.required, file) {
		return true
	}
	for _, alts := range src.need {
		if slices.Contains(alts, file) {
			return true
		}
	}
	return false
}

// hashFile returns the SHA-256 and length of a file's (decompressed) bytes.
func hashFile(p string, gz bool) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	var r io.Reader = f
	if gz {
		z, err := gzipReader(f)
		if err != nil {
			return "", 0, fmt.Errorf("%s: %w", p, err)
		}
		defer z.Close()
		r = z
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Fetch downloads a MovieLens archive from GroupLens into the user cache
// (CacheDir()/<name>) and returns that folder. The archive's MD5 must match
// the published value and every known file's SHA-256 must match; files are
// extracted only below the archive's own folder (entries that would escape
// it are an error), into a temporary folder that is renamed into place, so
// an interrupted fetch never leaves a partial copy. progress, when not nil,
// receives human-readable progress lines.
func Fetch(ctx context.Context, name string, progress io.Writer) (string, error) {
	src, ok := sources[name]
	if !ok {
		return "", fmt.Errorf("fetch: can download %s or %s, not %q", NameML100K, NameML1M, name)
	}
	root, err := CacheDir()
	if err != nil {
		return "", fmt.Errorf("fetch %s: no user cache folder: %w", name, err)
	}
	return fetchInto(ctx, http.DefaultClient, src, root, progress)
}

// maxExtract bounds the bytes extracted from one archive entry (a guard
// against zip bombs; the largest MovieLens file is 25 MB).
const maxExtract = 1 << 30

func fetchInto(ctx context.Context, client *http.Client, src source, root string, progress io.Writer) (string, error) {
	if progress == nil {
		progress = io.Discard
	}
	dest := filepath.Join(root, src.name)
	// The archive is downloaded into the temporary folder, extracted beside
	// it, verified and removed; only then is the folder published, replacing
	// any previous copy (atomicfile.ReplaceDir).
	err := atomicfile.ReplaceDir(dest, func(tmp string) error {
		zipPath := filepath.Join(tmp, ".download.zip")
		if err := download(ctx, client, src, zipPath, progress); err != nil {
			return err
		}
		if err := extractZip(ctx, zipPath, src.prefix, tmp); err != nil {
			return fmt.Errorf("fetch %s: %w", src.name, err)
		}
		if err := os.Remove(zipPath); err != nil {
			return fmt.Errorf("fetch %s: %w", src.name, err)
		}
		for _, f := range src.files {
			if !fileExists(filepath.Join(tmp, f.name)) {
				return fmt.Errorf("fetch %s: the archive has no %s%s", src.name, src.prefix, f.name)
			}
		}
		if _, err := verifySource(tmp, src); err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(progress, "%s: verified and stored in %s\n", src.name, dest)
	return dest, nil
}

// download saves src's archive as path and checks its published MD5.
func download(ctx context.Context, client *http.Client, src source, path string, progress io.Writer) error {
	zf, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", src.name, err)
	}
	defer zf.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.url, nil)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", src.name, err)
	}
	fmt.Fprintf(progress, "downloading %s\n", src.url)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s: download %s: %w (offline? put a copy of the files in a folder and point data.path or $%s/%s at it)", src.name, src.url, err, EnvData, src.name)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: download %s: HTTP %s", src.name, src.url, resp.Status)
	}
	h := md5.New()
	pw := &progressWriter{w: progress, total: resp.ContentLength, name: src.name}
	n, err := io.Copy(io.MultiWriter(zf, h, pw), resp.Body)
	if err != nil {
		return fmt.Errorf("fetch %s: download %s after %d bytes: %w", src.name, src.url, n, err)
	}
	pw.done()
	if got := hex.EncodeToString(h.Sum(nil)); got != src.md5 {
		return fmt.Errorf("fetch %s: %s has MD5 %s, but GroupLens publishes %s (corrupted or changed download)", src.name, src.url, got, src.md5)
	}
	return zf.Close()
}

// extractZip extracts the regular files below prefix in the archive into
// dir, refusing entries whose names would leave dir ("zip slip"): absolute
// names, ".." elements, backslashes, or symbolic links.
func extractZip(ctx context.Context, zipPath, prefix, dir string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("open archive: %w", err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := f.Name
		if strings.Contains(name, `\`) || strings.HasPrefix(name, "/") || !isLocalZipName(name) {
			return fmt.Errorf("archive entry %q would be extracted outside the target folder", name)
		}
		if !strings.HasPrefix(name, prefix) || f.FileInfo().IsDir() {
			continue
		}
		if f.Mode()&os.ModeType != 0 {
			return fmt.Errorf("archive entry %q is not a regular file", name)
		}
		rel := strings.TrimPrefix(name, prefix)
		if rel == "" || !filepath.IsLocal(filepath.FromSlash(rel)) {
			return fmt.Errorf("archive entry %q would be extracted outside the target folder", name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := extractFile(f, dst); err != nil {
			return err
		}
	}
	return nil
}

// isLocalZipName reports whether a slash-separated archive name stays below
// the extraction folder.
func isLocalZipName(name string) bool {
	for _, e := range strings.Split(name, "/") {
		if e == ".." {
			return false
		}
	}
	return !path.IsAbs(name)
}

func extractFile(f *zip.File, dst string) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("archive entry %s: %w", f.Name, err)
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(rc, maxExtract+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("archive entry %s: %w", f.Name, err)
	}
	if n > maxExtract {
		return fmt.Errorf("archive entry %s is larger than %d bytes", f.Name, maxExtract)
	}
	return nil
}

// progressWriter prints a line every 10 % (or every 4 MiB when the size is
// unknown).
type progressWriter struct {
	w     io.Writer
	name  string
	total int64
	n     int64
	next  int64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	step := int64(4 << 20)
	if p.total > 0 {
		step = max(p.total/10, 1)
	}
	if p.n >= p.next {
		if p.total > 0 {
			fmt.Fprintf(p.w, "  %s: %s / %s bytes (%d %%)\n", p.name, Thousands(int(p.n)), Thousands(int(p.total)), 100*p.n/p.total)
		} else {
			fmt.Fprintf(p.w, "  %s: %s bytes\n", p.name, Thousands(int(p.n)))
		}
		p.next = (p.n/step + 1) * step
	}
	return len(b), nil
}

func (p *progressWriter) done() {
	fmt.Fprintf(p.w, "  %s: downloaded %s bytes\n", p.name, Thousands(int(p.n)))
}
