package reports

import (
	"fmt"
	"sync"

	"codeberg.org/go-fonts/dejavu/dejavusans"
	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// figureFont is the typeface of every figure's text: DejaVu Sans, the
// default of matplotlib, which has the minus sign U+2212 and every
// superscript digit and sign (U+2070…U+207B), so 10⁻⁶ is set as such.
// gonum/plot's default, Liberation Serif, has neither the superscript minus
// U+207B nor the superscript zero U+2070.
var figureFont = font.Font{Typeface: "DejaVu", Variant: "Sans"}

var fontOnce sync.Once

// registerFont adds figureFont to gonum/plot's font cache (once): the text
// handler of every plot looks faces up there. It only adds a face, so
// other users of the cache keep their default.
func registerFont() {
	fontOnce.Do(func() {
		f, err := opentype.Parse(dejavusans.TTF)
		if err != nil {
			panic(fmt.Sprintf("reports: the embedded DejaVu Sans does not parse: %v", err))
		}
		font.DefaultCache.Add(font.Collection{{Font: figureFont, Face: f}})
	})
}

// withFigureFont returns f in figureFont at f's size.
func withFigureFont(f font.Font) font.Font {
	registerFont()
	size := f.Size
	f = figureFont
	f.Size = size
	return f
}

// outlined is a canvas that draws text as filled glyph outlines instead of
// handing the string to the back end. gonum's PDF back end encodes text in
// code page 1252, so α, ±, superscripts and the minus sign come out as
// mojibake ("Î±" for α), and an SVG names a font family the reader may not
// have (another font's widths misplace every label); outlines are the same
// glyphs in every format, with the positions and widths the layout used.
type outlined struct {
	vg.CanvasWriterTo
	buf sfnt.Buffer
}

// textHook, when set (by tests, which then run one at a time), receives
// every string a figure draws: the files hold outlines, not text.
var textHook func(s string)

// FillString implements vg.Canvas: it fills the outline of each glyph of
// s, starting at pt on the baseline, advancing and kerning as
// gonum/plot/font.Face.Width measures (font units scaled by size / em, no
// hinting), so a string covers exactly the width the layout reserved.
func (c *outlined) FillString(f font.Face, pt vg.Point, s string) {
	if f.Font.Size == 0 || f.Face == nil {
		return
	}
	if textHook != nil {
		textHook(s)
	}
	// With ppem equal to the units per em, sfnt's 26.6 values are font
	// units; scale turns them into lengths.
	ppem := fixed.Int26_6(f.Face.UnitsPerEm())
	scale := f.Font.Size / vg.Length(ppem)
	x := 0
	var prev sfnt.GlyphIndex
	for i, r := range []rune(s) {
		idx, err := f.Face.GlyphIndex(&c.buf, r)
		if err != nil {
			continue
		}
		if i > 0 {
			if k, err := f.Face.Kern(&c.buf, prev, idx, ppem, xfont.HintingNone); err == nil {
				x += int(k)
			}
		}
		prev = idx
		segs, err := f.Face.LoadGlyph(&c.buf, idx, ppem, nil)
		if err == nil && len(segs) > 0 {
			at := func(p fixed.Point26_6) vg.Point {
				// sfnt's y axis points down, the canvas's up.
				return vg.Point{X: pt.X + vg.Length(x+int(p.X))*scale, Y: pt.Y - vg.Length(int(p.Y))*scale}
			}
			var p vg.Path
			open := false
			for _, sg := range segs {
				switch sg.Op {
				case sfnt.SegmentOpMoveTo:
					if open {
						p.Close()
					}
					p.Move(at(sg.Args[0]))
					open = true
				case sfnt.SegmentOpLineTo:
					p.Line(at(sg.Args[0]))
				case sfnt.SegmentOpQuadTo:
					p.QuadTo(at(sg.Args[0]), at(sg.Args[1]))
				case sfnt.SegmentOpCubeTo:
					p.CubeTo(at(sg.Args[0]), at(sg.Args[1]), at(sg.Args[2]))
				}
			}
			if open {
				p.Close()
			}
			c.Fill(p)
		}
		adv, err := f.Face.GlyphAdvance(&c.buf, idx, ppem, xfont.HintingNone)
		if err == nil {
			x += int(adv)
		}
	}
}
