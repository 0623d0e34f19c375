package main

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/adjoint-go/adjoint/examples/internal/plotfile"
	"github.com/adjoint-go/adjoint/examples/internal/roundticks"
)

// Limits of the picture of misclassified digits.
const (
	maxShown  = 24 // misclassified test digits drawn at most
	gridCols  = 6  // digits per row
	zoom      = 8  // screen pixels per image pixel
	tileWidth = 3 * vg.Centimeter
	paper     = 235 // gray level of a blank pixel
)

// plotNames returns the names of the PNG files writePlots makes for model:
// the learning curves (only after training) and the misclassified digits.
func plotNames(model string) (curves, mistakes string) {
	return "digits-" + model + "-curves.png", "digits-" + model + "-misclassified.png"
}

// writePlots draws the pictures of a run into dir, creating it if needed,
// and returns the paths of the files: the learning curves when the run
// trained (res.hist is not empty), and a grid of misclassified test digits.
func writePlots(dir, model string, res result, ds dataset) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	curvesName, mistakesName := plotNames(model)
	var files []string
	if len(res.hist.loss) > 0 {
		c, err := curvesPicture(model, res.hist)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, curvesName)
		if err := plotfile.WriteAtomic(path, c); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	m, err := mistakesPicture(model, res, ds)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, mistakesName)
	if err := plotfile.WriteAtomic(path, m); err != nil {
		return nil, err
	}
	return append(files, path), nil
}

// curvesPicture draws the training loss and the training and test accuracy
// of every epoch, side by side.
func curvesPicture(model string, h history) (io.WriterTo, error) {
	loss := plot.New()
	loss.Title.Text = model + ": training loss"
	loss.X.Label.Text = "epoch"
	loss.Y.Label.Text = "cross-entropy"
	if err := addCurve(loss, h.loss, 1, "train", blue(), false); err != nil {
		return nil, err
	}
	loss.Y.Min = 0
	if math.IsInf(loss.Y.Max, -1) { // no finite loss: an empty axis from 0 up, not one around 0
		loss.Y.Max = 1
	}
	loss.Legend.Top = true
	applyCurveTicks(loss)

	acc := plot.New()
	acc.Title.Text = model + ": accuracy"
	acc.X.Label.Text = "epoch"
	acc.Y.Label.Text = "% correct"
	if err := addCurve(acc, h.trainAcc, 100, "train", blue(), false); err != nil {
		return nil, err
	}
	if err := addCurve(acc, h.testAcc, 100, "test", orange(), true); err != nil {
		return nil, err
	}
	acc.Y.Max = 100
	acc.Legend.Top = false // bottom right, below the curves
	applyCurveTicks(acc)

	return tiled([][]*plot.Plot{{loss, acc}}, 22*vg.Centimeter, 9*vg.Centimeter)
}

// applyCurveTicks puts a learning curve's ticks at whole epochs and round
// values, the axes reaching the ticks just beyond the data.
func applyCurveTicks(p *plot.Plot) {
	roundticks.Apply(&p.X, roundticks.Ticks{N: 6, Integer: true})
	roundticks.Apply(&p.Y, roundticks.Ticks{})
}

// markedEpochs is the most epochs whose points addCurve marks with a dot;
// a longer curve is a plain line.
const markedEpochs = 30

// addCurve adds the line of ys·scale against the epochs 1, 2, ... to p,
// with a legend entry; dashed draws it dashed. A short run's points are
// marked with dots, so that a one-epoch run, whose line has no length,
// still shows its point. Epochs whose value is NaN or infinite (the loss
// of a run that diverged) are left out, as houseprice's loss plot leaves
// them out, and the legend entry counts them; the epoch axis still spans
// the whole run.
func addCurve(p *plot.Plot, ys []float64, scale float64, label string, c color.Color, dashed bool) error {
	pts := make(plotter.XYs, 0, len(ys))
	for i, y := range ys {
		if v := y * scale; !math.IsNaN(v) && !math.IsInf(v, 0) { // plotter refuses them
			pts = append(pts, plotter.XY{X: float64(i + 1), Y: v})
		}
	}
	if skipped := len(ys) - len(pts); skipped > 0 {
		label = fmt.Sprintf("%s (%d epoch(s) not finite)", label, skipped)
	}
	if len(ys) > 0 {
		p.X.Min, p.X.Max = math.Min(p.X.Min, 1), math.Max(p.X.Max, float64(len(ys)))
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return fmt.Errorf("plots: %s: %w", label, err)
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(plotter.NewGrid())
	p.Add(l)
	if len(ys) > markedEpochs {
		p.Legend.Add(label, l)
		return nil
	}
	dots, err := plotter.NewScatter(pts)
	if err != nil {
		return fmt.Errorf("plots: %s: %w", label, err)
	}
	dots.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
	p.Add(dots)
	p.Legend.Add(label, l, dots)
	return nil
}

// mistakesPicture draws up to maxShown misclassified test digits in a grid,
// each titled with its true and its predicted digit, or, when there are
// none, a picture that says so.
func mistakesPicture(model string, res result, ds dataset) (io.WriterTo, error) {
	var wrong []int
	for i, p := range res.pred {
		if p != ds.yTest[i] {
			wrong = append(wrong, i)
		}
	}
	if len(wrong) == 0 {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: all %d test digits right", model, res.nTest)
		p.HideAxes()
		return tiled([][]*plot.Plot{{p}}, 12*vg.Centimeter, 3*vg.Centimeter)
	}
	shown := wrong[:min(len(wrong), maxShown)]
	cols := min(len(shown), gridCols)
	rows := (len(shown) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for k, i := range shown {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("true %d, said %d", ds.yTest[i], res.pred[i])
		p.HideAxes()
		p.Add(plotter.NewImage(digitImage(ds.xTest.Data()[i*side*side:(i+1)*side*side]), 0, 0, side, side))
		grid[k/cols][k%cols] = p
	}
	// Each tile is as tall as it is wide, plus its title.
	return tiled(grid, vg.Length(cols)*tileWidth, vg.Length(rows)*(tileWidth+4*vg.Millimeter))
}

// digitImage draws one image of pixel values in [0, 1] as black ink on
// light gray (so that the 8×8 frame shows on the white page), zoomed so
// that every pixel is a zoom×zoom square however the picture is scaled.
func digitImage(pix []float32) image.Image {
	img := image.NewGray(image.Rect(0, 0, side*zoom, side*zoom))
	for y := range side * zoom {
		for x := range side * zoom {
			v := pix[(y/zoom)*side+x/zoom]
			ink := math.Min(1, math.Max(0, float64(v)))
			img.SetGray(x, y, color.Gray{Y: uint8(math.Round(paper * (1 - ink)))})
		}
	}
	return img
}

// tiled draws a grid of plots (nil entries stay blank) on one w×h PNG
// canvas.
func tiled(grid [][]*plot.Plot, w, h vg.Length) (io.WriterTo, error) {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	// A white background: vgimg starts transparent.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	tiles := draw.Tiles{
		Rows: len(grid), Cols: len(grid[0]),
		PadX: vg.Millimeter * 3, PadY: vg.Millimeter * 2,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2,
	}
	canvases := plot.Align(grid, tiles, dc)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
	return vgimg.PngCanvas{Canvas: img}, nil
}

// blue and orange are the colors of the curves.
func blue() color.Color   { return color.RGBA{R: 31, G: 119, B: 180, A: 255} }
func orange() color.Color { return color.RGBA{R: 255, G: 127, B: 14, A: 255} }
