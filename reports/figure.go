package reports

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/potau/potau/internal/atomicfile"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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

// saveFigure draws a w × h figure with paint once per format of
// opt.Formats and writes dir/name.<format> atomically. It stops before a
// file when the context of WriteContext is done.
//
// The size is normalised for papers: a figure whose natural width is at most
// 4.5 in is drawn one column wide (ColumnWidth, 3.3 in), a wider one two
// columns wide (PageWidth, 7 in), the height scaled with the width (within
// 2.2 … 9 in); text keeps its point size. Raster formats are drawn at
// FigureDPI.
func saveFigure(dir, name string, w, h vg.Length, opt Options, paint func(dc draw.Canvas)) (map[string]string, error) {
	w, h = paperSize(w, h)
	formats := opt.Formats
	pdfOnce.Do(func() {
		fpdf.SetDefaultCreationDate(pdfEpoch)
		fpdf.SetDefaultModificationDate(pdfEpoch)
	})
	files := make(map[string]string, len(formats))
	for _, f := range formats {
		if err := opt.ctx.Err(); err != nil {
			return nil, err
		}
		f = strings.ToLower(strings.TrimPrefix(f, "."))
		var c vg.CanvasWriterTo
		var err error
		switch f {
		case "png":
			c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(FigureDPI))}
		case "jpg", "jpeg":
			c = vgimg.JpegCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(FigureDPI))}
		case "tif", "tiff":
			c = vgimg.TiffCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(FigureDPI))}
		default:
			c, err = draw.NewFormattedCanvas(w, h, f)
		}
		if err != nil {
			return nil, fmt.Errorf("figure %s: format %q: %v (want png, svg, pdf, eps, jpg or tiff)", name, f, err)
		}
		c = &outlined{CanvasWriterTo: c} // text as glyph outlines: the same in every format
		paint(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("figure %s.%s: %w", name, f, err)
		}
		path := filepath.Join(dir, name+"."+f)
		if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
			return nil, err
		}
		files[f] = path
	}
	return files, nil
}

// Figure sizes and resolution: one column and two columns of a two-column
// paper, and the raster resolution journals ask for.
const (
	ColumnWidth = 3.3 * vg.Inch
	PageWidth   = 7 * vg.Inch
	FigureDPI   = 300
)

// rowHeight is the natural height of a figure whose one row holds n panels
// each about h tall: from three panels on, the row grows with n/2, so that
// once the figure is scaled to PageWidth its panels keep about the height
// two panels have (three panels at h = 3.3 in come out 3.0 in tall, not
// the 2.2 in minimum, which left the α labels no room).
func rowHeight(n int, h vg.Length) vg.Length {
	if n <= 2 {
		return h
	}
	return h * vg.Length(n) / 2
}

// paperSize maps a figure's natural size to a paper width (see saveFigure).
func paperSize(w, h vg.Length) (vg.Length, vg.Length) {
	target := ColumnWidth
	if w > 4.5*vg.Inch {
		target = PageWidth
	}
	h = h * target / w
	h = max(min(h, 9*vg.Inch), 2.2*vg.Inch)
	return target, h
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
