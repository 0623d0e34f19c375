package main

import (
	"image"
	"image/color"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// render draws p on a w×h image.
func render(p *plot.Plot, w, h vg.Length) image.Image {
	c := vgimg.New(w, h)
	p.Draw(draw.New(c))
	return c.Image()
}

// countColor counts the pixels of img that are c exactly.
func countColor(img image.Image, c color.Color) int {
	r0, g0, b0, a0 := c.RGBA()
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if r, g, b, a := img.At(x, y).RGBA(); r == r0 && g == g0 && b == b0 && a == a0 {
				n++
			}
		}
	}
	return n
}

// TestLossPlotDrawsOneEpoch checks that the loss of a one-epoch run shows:
// a line through one point has no length and draws nothing, so the point
// itself must be marked (the plot has no legend, whose sample line would
// also be blue).
func TestLossPlotDrawsOneEpoch(t *testing.T) {
	p, err := lossPlot([]float64{0.5})
	if err != nil {
		t.Fatal(err)
	}
	if n := countColor(render(p, 12*vg.Centimeter, 10*vg.Centimeter), blue()); n < 10 {
		t.Errorf("one-epoch loss plot has %d pixels of the curve's color, want a visible point", n)
	}
}

// TestLossPlotRoundTicks checks the axes' labels: whole epochs, and 1-2-5
// values on the log axis that enclose the data.
func TestLossPlotRoundTicks(t *testing.T) {
	p, err := lossPlot([]float64{0.8, 0.3, 0.12, 0.07})
	if err != nil {
		t.Fatal(err)
	}
	labels := func(a plot.Axis) []string {
		var out []string
		for _, tk := range a.Tick.Marker.Ticks(a.Min, a.Max) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	if got, want := labels(p.Y), []string{"0.05", "0.1", "0.2", "0.5", "1"}; !equal(got, want) {
		t.Errorf("loss axis labels %q, want %q", got, want)
	}
	if got, want := labels(p.X), []string{"1", "2", "3", "4"}; !equal(got, want) {
		t.Errorf("epoch axis labels %q, want %q", got, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
