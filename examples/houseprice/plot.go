package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/adjoint-go/adjoint/examples/internal/plotfile"
	"github.com/adjoint-go/adjoint/examples/internal/roundticks"
)

// The PNG files writePlots makes, in the -plots directory.
const (
	predictionsPNG = "houseprice-predictions.png"
	lossPNG        = "houseprice-loss.png"
)

// writePlots draws two pictures of a training run into dir, creating it if
// needed, and prints their paths to out: predicted against actual prices on
// the test split, with the line y = x where a perfect model's points would
// lie, and the training loss of every epoch.
func writePlots(dir string, rep report, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	scatter, err := predictionsPlot(rep)
	if err != nil {
		return err
	}
	loss, err := lossPlot(rep.losses)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		p    *plot.Plot
	}{{predictionsPNG, scatter}, {lossPNG, loss}} {
		path := filepath.Join(dir, f.name)
		if err := savePNG(path, f.p, 12*vg.Centimeter, 10*vg.Centimeter); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s\n", path)
	}
	return nil
}

// predictionsPlot is the scatter of the network's predictions against the
// actual prices of the test houses, over the diagonal y = x.
func predictionsPlot(rep report) (*plot.Plot, error) {
	if len(rep.actual) == 0 || len(rep.actual) != len(rep.pred) {
		return nil, fmt.Errorf("plots: %d actual prices and %d predictions", len(rep.actual), len(rep.pred))
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Test split: %d houses, RMSE %.2f k$", len(rep.actual), rep.testRMSE)
	p.X.Label.Text = "actual median value (k$)"
	p.Y.Label.Text = "predicted (k$)"
	roundticks.Apply(&p.X, roundticks.Ticks{})
	roundticks.Apply(&p.Y, roundticks.Ticks{})
	p.Add(plotter.NewGrid())

	pts := make(plotter.XYs, len(rep.actual))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range pts {
		pts[i] = plotter.XY{X: rep.actual[i], Y: rep.pred[i]}
		lo, hi = min(lo, rep.actual[i], rep.pred[i]), max(hi, rep.actual[i], rep.pred[i])
	}
	diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	diag.Color = plotter.DefaultLineStyle.Color
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	s.GlyphStyle.Radius = vg.Points(2)
	s.GlyphStyle.Color = blue()
	p.Add(diag, s)
	p.Legend.Add("network", s)
	p.Legend.Add("y = x", diag)
	p.Legend.Top, p.Legend.Left = true, true
	return p, nil
}

// lossPlot is the training loss per epoch, on a logarithmic axis with
// ticks at 1, 2 and 5 times powers of ten, and whole epochs. Every point
// of a short run is marked, so that a one-epoch run shows its point.
func lossPlot(losses []float64) (*plot.Plot, error) {
	pts := make(plotter.XYs, 0, len(losses))
	for i, l := range losses {
		if l > 0 && !math.IsInf(l, 0) { // a log axis cannot show 0, NaN or Inf
			pts = append(pts, plotter.XY{X: float64(i + 1), Y: l})
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("plots: no positive finite loss among %d epochs", len(losses))
	}
	p := plot.New()
	p.Title.Text = "Training loss"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "mean E per house (scaled target)"
	p.Y.Scale = plot.LogScale{}
	roundticks.Apply(&p.Y, roundticks.LogTicks{}) // gonum's LogTicks labels only powers of 10
	roundticks.Apply(&p.X, roundticks.Ticks{N: 6, Integer: true})
	if lo, hi := yRange(pts); lo == hi { // one epoch: give the log axis a range
		p.Y.Min, p.Y.Max = lo/2, hi*2
	}
	p.Add(plotter.NewGrid())
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	l.Color = blue()
	l.Width = vg.Points(1.5)
	p.Add(l)
	if len(pts) <= 30 {
		dots, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		dots.GlyphStyle = draw.GlyphStyle{Color: blue(), Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(dots)
	}
	return p, nil
}

// yRange returns the smallest and the largest Y of pts.
func yRange(pts plotter.XYs) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		lo, hi = min(lo, p.Y), max(hi, p.Y)
	}
	return lo, hi
}

// blue is the color of the data in the plots.
func blue() color.Color { return color.RGBA{R: 31, G: 119, B: 180, A: 255} }

// savePNG renders p as a w×h PNG into path. It writes a temporary file in
// the same directory and renames it into place, so that a reader never sees
// half a picture.
func savePNG(path string, p *plot.Plot, w, h vg.Length) (err error) {
	img, err := p.WriterTo(w, h, "png")
	if err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	return plotfile.WriteAtomic(path, img)
}
