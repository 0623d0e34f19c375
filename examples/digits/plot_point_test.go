package main

import (
	"bytes"
	"image/color"
	"math"
	"path/filepath"
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

// TestCurveSkipsNonFinite checks that the epochs of a curve whose value is
// NaN or infinite, as a diverged run's loss, are left out of the plot
// (plotter refused the whole curve, "plotter: NaN data point"), that the
// epoch axis still spans the run, and that a curve with no finite value at
// all still draws.
func TestCurveSkipsNonFinite(t *testing.T) {
	p := plot.New()
	if err := addCurve(p, []float64{0.5, math.NaN(), math.Inf(1), 0.25, math.NaN()}, 1, "train", blue(), false); err != nil {
		t.Fatal(err)
	}
	if got, want := [4]float64{p.X.Min, p.X.Max, p.Y.Min, p.Y.Max}, [4]float64{1, 5, 0.25, 0.5}; got != want {
		t.Errorf("x range [%v, %v], y range [%v, %v]; want x [1, 5] (the run), y [0.25, 0.5] (its finite values)", got[0], got[1], got[2], got[3])
	}

	p = plot.New()
	if err := addCurve(p, []float64{math.NaN(), math.NaN()}, 1, "train", blue(), false); err != nil {
		t.Fatal(err)
	}
	p.Y.Min = 0
	applyCurveTicks(p)
	if got, want := tickLabels(p.X), []string{"1", "2"}; !equalStrings(got, want) {
		t.Errorf("no finite value: epoch labels %q, want %q", got, want)
	}
	c := vgimg.New(10*vg.Centimeter, 8*vg.Centimeter)
	p.Draw(draw.New(c))
}

// TestRunDiverged checks that a run whose loss is NaN from the first epoch
// (an -lr of 1e30) ends with status 0 and writes both pictures: it failed
// with "plotter: NaN data point" before writing the misclassified digits.
func TestRunDiverged(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-model", "mlp", "-epochs", "2", "-lr", "1e30", "-plots", dir}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("run(%q) = %d, want 0; stderr:\n%s", args, code, &stderr)
	}
	if !bytes.Contains(stdout.Bytes(), []byte("epoch   2/2  loss NaN")) {
		t.Errorf("the run did not diverge as expected:\n%s", &stdout)
	}
	curves, mistakes := plotNames("mlp")
	for _, name := range []string{curves, mistakes} {
		checkPNG(t, filepath.Join(dir, name))
	}
}
