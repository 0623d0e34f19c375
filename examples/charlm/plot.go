package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"

	"github.com/adjoint-go/adjoint/examples/internal/plotfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// curvesName returns the name of the PNG file of model's learning curves.
func curvesName(model string) string { return "charlm-" + model + "-loss.png" }

// writeCurves draws the training and validation losses of h against the
// steps, with the unigram baseline as a horizontal line, into dir (created
// if needed), and returns the file's path.
func writeCurves(dir, model string, h history, baseline float64) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("plots: %w", err)
	}
	p := plot.New()
	p.Title.Text = model + ": next-byte cross-entropy"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "nats per byte"
	if len(h.steps) > 1 {
		p.Add(plotter.NewGrid())
	}
	last := float64(h.steps[len(h.steps)-1])
	lines := []struct {
		label  string
		xs, ys []float64
		c      color.Color
		dashes []vg.Length
	}{
		{"unigram baseline", []float64{0, last}, []float64{baseline, baseline}, color.Gray{Y: 110}, []vg.Length{vg.Points(2), vg.Points(2)}},
		{"train", steps(h.steps), h.train, color.RGBA{R: 31, G: 119, B: 180, A: 255}, nil},
		{"validation", steps(h.steps), h.val, color.RGBA{R: 255, G: 127, B: 14, A: 255}, []vg.Length{vg.Points(5), vg.Points(3)}},
	}
	for _, l := range lines {
		pts := make(plotter.XYs, len(l.xs))
		for i := range pts {
			pts[i] = plotter.XY{X: l.xs[i], Y: l.ys[i]}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return "", fmt.Errorf("plots: %s: %w", l.label, err)
		}
		line.Color = l.c
		line.Width = vg.Points(1.5)
		line.Dashes = l.dashes
		p.Add(line)
		p.Legend.Add(l.label, line)
	}
	// Room above the highest line for the legend.
	top := baseline
	for _, v := range append(slices.Clone(h.train), h.val...) {
		top = max(top, v)
	}
	p.Y.Min, p.Y.Max = 0, 1.25*top
	p.X.Min = 0
	p.Legend.Top = true

	img := vgimg.New(16*vg.Centimeter, 10*vg.Centimeter)
	dc := draw.New(img)
	dc.SetColor(color.White) // vgimg starts transparent
	dc.Fill(dc.Rectangle.Path())
	p.Draw(dc)
	path := filepath.Join(dir, curvesName(model))
	if err := plotfile.WriteAtomic(path, vgimg.PngCanvas{Canvas: img}); err != nil {
		return "", err
	}
	return path, nil
}

// steps returns the steps as float64 x coordinates.
func steps(s []int) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}
