package main

import (
	"image/color"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// TestCurveDrawsOneEpoch checks that a one-epoch curve shows its point: a
// line through a single point has no length and draws nothing. The legend
// is left out, since its sample line has the curve's color too.
func TestCurveDrawsOneEpoch(t *testing.T) {
	p := plot.New()
	if err := addCurve(p, []float64{0.7}, 1, "train", blue(), false); err != nil {
		t.Fatal(err)
	}
	p.Legend = plot.NewLegend()
	c := vgimg.New(10*vg.Centimeter, 8*vg.Centimeter)
	p.Draw(draw.New(c))
	img := c.Image()
	r0, g0, b0, _ := blue().RGBA()
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if r, g, b, a := img.At(x, y).RGBA(); r == r0 && g == g0 && b == b0 && a == 0xffff {
				n++
			}
		}
	}
	if n < 10 {
		t.Errorf("one-epoch curve has %d pixels of its color, want a visible point", n)
	}
	var _ color.Color = blue()
}

// TestCurvesRoundTicks checks that the learning curves label whole epochs
// and round losses and accuracies.
func TestCurvesRoundTicks(t *testing.T) {
	p := plot.New()
	if err := addCurve(p, []float64{2.31, 0.9, 0.41, 0.2, 0.073}, 1, "train", blue(), false); err != nil {
		t.Fatal(err)
	}
	p.Y.Min = 0
	applyCurveTicks(p)
	if got, want := tickLabels(p.X), []string{"1", "2", "3", "4", "5"}; !equalStrings(got, want) {
		t.Errorf("epoch labels %q, want %q", got, want)
	}
	if got, want := tickLabels(p.Y), []string{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5"}; !equalStrings(got, want) {
		t.Errorf("loss labels %q, want %q", got, want)
	}
}

func tickLabels(a plot.Axis) []string {
	var out []string
	for _, tk := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		if tk.Label != "" {
			out = append(out, tk.Label)
		}
	}
	return out
}

func equalStrings(a, b []string) bool {
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
