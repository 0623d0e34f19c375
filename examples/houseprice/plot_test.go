package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// TestMain points the system's temporary directory at a private one for the
// whole package, so that the tests which run the program with its default
// -plots directory (under os.TempDir) leave nothing behind.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "houseprice-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("TMPDIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestRunPlots checks that -plots writes the two pictures as valid PNGs of
// the size asked for, with something drawn on them, and reports their paths;
// that the default directory is under os.TempDir; that -plots "" writes
// nothing; and that an unusable directory is a run error (exit 1).
func TestRunPlots(t *testing.T) {
	tests := []struct {
		name string
		args []string // after "-epochs 3"
		dir  string   // where the plots must be, "" for none
	}{
		{"explicit dir", []string{"-plots", filepath.Join(t.TempDir(), "new", "dir")}, ""},
		{"default dir", nil, filepath.Join(os.TempDir(), "adjoint-houseprice")},
		{"no plots", []string{"-plots", ""}, ""},
	}
	tests[0].dir = tests[0].args[1]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"-epochs", "3"}, tt.args...)
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("run(%q) = %d, want 0; stderr:\n%s", args, code, &stderr)
			}
			if tt.dir == "" {
				if strings.Contains(stdout.String(), "wrote ") {
					t.Errorf("-plots \"\" wrote files:\n%s", &stdout)
				}
				return
			}
			for _, name := range []string{predictionsPNG, lossPNG} {
				path := filepath.Join(tt.dir, name)
				if !strings.Contains(stdout.String(), "wrote "+path+"\n") {
					t.Errorf("stdout does not report %s:\n%s", path, &stdout)
				}
				checkPNG(t, path)
			}
		})
	}

	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-epochs", "1", "-plots", notDir}, &stdout, &stderr); code != 1 {
		t.Errorf("-plots naming a file: exit %d, want 1", code)
	}
	if !strings.HasPrefix(stderr.String(), "houseprice: plots: ") {
		t.Errorf("stderr does not report the failure: %q", &stderr)
	}
}

// checkPNG decodes the PNG file at path and checks that it has the size
// writePlots asks for (12 cm × 10 cm at gonum's default 96 dpi, about
// 454×378 pixels) and that it is not blank.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < 400 || b.Dx() > 500 || b.Dy() < 330 || b.Dy() > 420 {
		t.Errorf("%s is %dx%d pixels, want about 454x378", path, b.Dx(), b.Dy())
	}
	if n := countColors(img); n < 3 {
		t.Errorf("%s has %d colors: nothing drawn", path, n)
	}
}

// countColors returns the number of distinct colors in img.
func countColors(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// TestLossPlotNoData checks that a run without a single plottable loss is
// an error, not an empty picture.
func TestLossPlotNoData(t *testing.T) {
	for _, losses := range [][]float64{nil, {0}, {-1, 0}} {
		if _, err := lossPlot(losses); err == nil {
			t.Errorf("lossPlot(%v): no error", losses)
		}
	}
}

// TestSavePNGFlatLoss checks that a loss curve with one value (one epoch,
// or a constant loss) draws, although a log axis cannot pad a zero range
// the way a linear one does.
func TestSavePNGFlatLoss(t *testing.T) {
	for _, losses := range [][]float64{{0.5}, {0.25, 0.25, 0.25}} {
		p, err := lossPlot(losses)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), lossPNG)
		if err := savePNG(path, p, 12*vg.Centimeter, 10*vg.Centimeter); err != nil {
			t.Fatalf("losses %v: %v", losses, err)
		}
		checkPNG(t, path)
	}
}
