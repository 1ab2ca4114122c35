package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is one drawn figure, written once per format.
type Figure struct {
	Name    string            // file stem, e.g. "alpha_ml-100k_neumf"
	Caption string            // what the figure shows
	Files   map[string]string // format ("png", "svg", "pdf") → path written
}

// pdfEpoch is the creation date written into PDFs so that equal figures give
// byte-identical files.
var pdfEpoch = time.Date(2023, 10, 9, 0, 0, 0, 0, time.UTC)

var pdfOnce sync.Once

// saveFigure draws a w × h figure with paint once per format and writes
// dir/name.<format> atomically.
func saveFigure(dir, name string, w, h vg.Length, formats []string, paint func(dc draw.Canvas)) (map[string]string, error) {
	pdfOnce.Do(func() {
		fpdf.SetDefaultCreationDate(pdfEpoch)
		fpdf.SetDefaultModificationDate(pdfEpoch)
	})
	files := make(map[string]string, len(formats))
	for _, f := range formats {
		f = strings.ToLower(strings.TrimPrefix(f, "."))
		c, err := draw.NewFormattedCanvas(w, h, f)
		if err != nil {
			return nil, fmt.Errorf("figure %s: format %q: %v (want png, svg, pdf, eps, jpg or tiff)", name, f, err)
		}
		paint(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("figure %s.%s: %w", name, f, err)
		}
		path := filepath.Join(dir, name+"."+f)
		if err := writeFileAtomic(path, buf.Bytes()); err != nil {
			return nil, err
		}
		files[f] = path
	}
	return files, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers never see a partial file.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// slug turns parts into a file-name-safe stem: "alpha_ml-100k_neumf".
func slug(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('_')
		}
		for _, r := range strings.ToLower(p) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
				b.WriteRune(r)
			default:
				b.WriteByte('-')
			}
		}
	}
	return b.String()
}
