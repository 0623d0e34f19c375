// Command plot draws GFLOP/s against the matrix size n from the results file
// that torch_bench.py writes, one panel per element type, and saves it as a
// PNG:
//
//	go run ./cmd/plot results/peers.json gemm-gflops.png
//
// The input holds the series to draw; the script decides which ones:
//
//	{"title": "...", "series": [{"label": "Adjoint", "dtype": "f32",
//	  "threads": 1, "points": [[64, 79.1], [128, 140.2]]}, ...]}
//
// Each label keeps one color in both panels; one thread is drawn solid and
// two threads dashed. Both axes are logarithmic, so that a constant ratio
// between two kernels is a constant distance.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Series is one line: a kernel at one element type and thread count.
type Series struct {
	Label   string       `json:"label"`
	DType   string       `json:"dtype"`
	Threads int          `json:"threads"`
	Points  [][2]float64 `json:"points"` // (n, GFLOP/s)
}

// Results is what torch_bench.py writes for the plot.
type Results struct {
	Title  string   `json:"title"`
	Series []Series `json:"series"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: plot RESULTS.json OUT.png")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := render(r, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// palette gives each label a color, in order of first appearance.
var palette = []color.Color{
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
}

// render draws one panel per element type, side by side, and writes a PNG.
func render(r Results, w io.Writer) error {
	var dtypes, labels []string
	for _, s := range r.Series {
		if len(s.Points) == 0 {
			continue
		}
		if !slices.Contains(dtypes, s.DType) {
			dtypes = append(dtypes, s.DType)
		}
		if !slices.Contains(labels, s.Label) {
			labels = append(labels, s.Label)
		}
	}
	if len(dtypes) == 0 {
		return errors.New("no series with points to draw")
	}
	row := make([]*plot.Plot, len(dtypes))
	for i, dt := range dtypes {
		p := plot.New()
		p.Title.Text = dt
		if r.Title != "" {
			p.Title.Text = r.Title + ", " + dt
		}
		p.X.Label.Text = "n (square n×n matrices)"
		p.Y.Label.Text = "GFLOP/s"
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.Add(plotter.NewGrid())
		// The legend sits top left, above the data: the y axis runs to 8×
		// the largest value, a free band on the log scale.
		p.Legend.Top, p.Legend.Left = true, true
		p.Legend.XOffs = vg.Points(8)
		var xticks []plot.Tick
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range r.Series {
			if s.DType != dt || len(s.Points) == 0 {
				continue
			}
			xys := make(plotter.XYs, len(s.Points))
			for j, pt := range s.Points {
				xys[j].X, xys[j].Y = pt[0], pt[1]
				lo, hi = min(lo, pt[1]), max(hi, pt[1])
				if !slices.ContainsFunc(xticks, func(t plot.Tick) bool { return t.Value == pt[0] }) {
					xticks = append(xticks, plot.Tick{Value: pt[0], Label: fmt.Sprint(pt[0])})
				}
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return fmt.Errorf("%s %s: %w", s.Label, dt, err)
			}
			c := palette[slices.Index(labels, s.Label)%len(palette)]
			line.Color, points.Color = c, c
			line.Width = vg.Points(1.5)
			points.Shape = draw.CircleGlyph{}
			if s.Threads > 1 {
				line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
				points.Shape = draw.BoxGlyph{}
			}
			p.Add(line, points)
			p.Legend.Add(fmt.Sprintf("%s, %d thread%s", s.Label, s.Threads, plural(s.Threads)), line, points)
		}
		p.X.Tick.Marker = plot.ConstantTicks(xticks)
		p.Y.Min, p.Y.Max = lo/1.5, hi*8
		p.Y.Tick.Marker = plot.ConstantTicks(ticks125(p.Y.Min, p.Y.Max))
		row[i] = p
	}
	const width, height = 6.4 * vg.Inch, 4.8 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width*vg.Length(len(row)), height), vgimg.UseDPI(80))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Points(10), PadLeft: vg.Points(4), PadRight: vg.Points(4), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
	canvases := plot.Align([][]*plot.Plot{row}, tiles, dc)
	for i, p := range row {
		p.Draw(canvases[0][i])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// ticks125 returns labeled ticks at 1, 2 and 5 times the powers of ten
// between lo and hi.
func ticks125(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	return ticks
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
