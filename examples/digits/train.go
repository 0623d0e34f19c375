package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/examples/internal/outpath"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/schollz/progressbar/v3"
)

// initStream is the second PCG seed word of the weights and the shuffles
// ("DigitsIn"); -seed is the first.
const initStream = 0x4469676974734976

// history is what training measured, epoch by epoch.
type history struct {
	loss     []float64 // mean cross-entropy over the epoch's training batches
	trainAcc []float64 // accuracy on those batches, as they were trained on
	testAcc  []float64 // test accuracy at the end of the epoch
}

// result is what a run measured and wrote.
type result struct {
	nTrain, nTest int
	hist          history // empty when the model was loaded, not trained
	testLoss      float64 // mean cross-entropy on the test set
	correct       int     // test images classified right
	accuracy      float64 // correct / nTest
	confusion     [classes][classes]int
	pred          []int    // predicted digit of every test image
	files         []string // PNG files written
}

// execute runs the experiment: load the data, build the model, train it (or
// load it from cfg.load), evaluate it on the test set, print the results,
// and save the model and the plots.
func execute(cfg config, stdout, stderr io.Writer) (result, error) {
	var res result
	if err := checkOutputs(cfg); err != nil {
		return res, err
	}
	ds, err := loadDigits()
	if err != nil {
		return res, err
	}
	res.nTrain, res.nTest = len(ds.yTrain), len(ds.yTest)
	rng := rand.New(rand.NewPCG(cfg.seed, initStream))
	net, err := newModel(cfg.model, rng)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(stdout, "digits: %d images %dx%d, %d classes; %d train, %d test\n",
		res.nTrain+res.nTest, side, side, classes, res.nTrain, res.nTest)
	fmt.Fprintln(stdout, describe(cfg.model, net))

	if cfg.load != "" {
		if err := layers.LoadFile(cfg.load, net); err != nil {
			return res, err
		}
		fmt.Fprintf(stdout, "loaded the model from %s\n", cfg.load)
	} else if res.hist, err = fit(cfg, net, ds, rng, stdout, stderr); err != nil {
		return res, err
	}

	layers.SetTraining(net, false)
	res.testLoss, res.pred = evaluate(net, ds.xTest, ds.yTest)
	for i, p := range res.pred {
		res.confusion[ds.yTest[i]][p]++
		if p == ds.yTest[i] {
			res.correct++
		}
	}
	res.accuracy = float64(res.correct) / float64(res.nTest)
	fmt.Fprintf(stdout, "test accuracy %.2f%% (%d/%d), test loss %.4f\n",
		100*res.accuracy, res.correct, res.nTest, res.testLoss)
	printConfusion(stdout, &res.confusion)

	if cfg.save != "" {
		if err := layers.SaveFile(cfg.save, net); err != nil {
			return res, err
		}
		fmt.Fprintf(stdout, "saved the model to %s\n", cfg.save)
	}
	if cfg.plots != "" {
		if res.files, err = writePlots(cfg.plots, cfg.model, res, ds); err != nil {
			return res, err
		}
		for _, f := range res.files {
			fmt.Fprintf(stdout, "wrote %s\n", f)
		}
	}
	return res, nil
}

// checkOutputs checks, before the data are read, that -save names a file
// that can be written and -plots a directory that can be, so that a bad
// path fails at once and not after the training.
func checkOutputs(cfg config) error {
	if cfg.save != "" {
		if err := outpath.File("save", cfg.save); err != nil {
			return err
		}
	}
	if cfg.plots != "" {
		return outpath.Dir("plots", cfg.plots)
	}
	return nil
}

// fit trains net on the training set with Adam, its learning rate annealed
// from cfg.lr to 0 along a cosine over the whole run, on minibatches
// reshuffled every epoch from rng. It prints one line per epoch, and shows a
// progress bar over each epoch's batches on stderr when that is a terminal.
func fit(cfg config, net layers.Module[float32], ds dataset, rng *rand.Rand, stdout, stderr io.Writer) (history, error) {
	if s, ok := net.(*layers.Sequential[float32]); ok && (cfg.workers > 0 || cfg.transport != nil) {
		return fitParallel(cfg, s, ds, rng, stdout) // parallel.go
	}
	var h history
	batches, err := data.NewBatches(len(ds.yTrain), cfg.batch, rng, data.BatchOptions{})
	if err != nil {
		return h, err
	}
	opt, err := optim.NewAdam(net.Parameters(), cfg.lr)
	if err != nil {
		return h, err
	}
	steps := cfg.epochs * batches.Len()
	cosine, err := optim.NewWarmupCosineLR(optim.WarmupCosineConfig{Base: cfg.lr, Decay: steps})
	if err != nil {
		return h, err
	}
	sched, err := optim.NewScheduler(opt, cosine)
	if err != nil {
		return h, err
	}
	fmt.Fprintf(stdout, "Adam, lr %g with cosine decay to 0 over %d steps; batch %d, epochs %d, seed %d\n",
		cfg.lr, steps, cfg.batch, cfg.epochs, cfg.seed)

	showBar := cfg.progress && isTerminal(stderr)
	var xb *tensor.Tensor[float32]
	var yb []int
	ar := autograd.NewArena[float32]() // one step's memory, reused by the next
	for epoch := 1; epoch <= cfg.epochs; epoch++ {
		var bar *progressbar.ProgressBar
		if showBar {
			bar = newBar(stderr, batches.Len(), fmt.Sprintf("epoch %d/%d", epoch, cfg.epochs))
		}
		layers.SetTraining(net, true)
		var sumLoss float64
		var correct int
		for idx := range batches.Epoch() {
			xb = data.GatherRows(xb, ds.xTrain, idx) // reuses xb's memory
			yb = data.Gather(yb, ds.yTrain, idx)
			ar.Reset() // recycles what the previous step made under ar
			logits := net.Forward(ar.Const(xb))
			loss := autograd.CrossEntropy(logits, yb)
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()
			if err := sched.Step(); err != nil {
				return h, err
			}
			sumLoss += float64(loss.Item()) * float64(len(idx))
			correct += countEqual(autograd.Argmax(logits, -1), yb)
			if bar != nil {
				bar.Add(1)
			}
		}
		if bar != nil {
			bar.Finish() // clears the bar's line, for the epoch's line
		}
		layers.SetTraining(net, false)
		_, pred := evaluate(net, ds.xTest, ds.yTest)
		n := float64(len(ds.yTrain))
		h.loss = append(h.loss, sumLoss/n)
		h.trainAcc = append(h.trainAcc, float64(correct)/n)
		h.testAcc = append(h.testAcc, float64(countEqual(pred, ds.yTest))/float64(len(ds.yTest)))
		fmt.Fprintf(stdout, "epoch %3d/%d  loss %.4f  train acc %6.2f%%  test acc %6.2f%%\n",
			epoch, cfg.epochs, h.loss[epoch-1], 100*h.trainAcc[epoch-1], 100*h.testAcc[epoch-1])
	}
	return h, nil
}

// evaluate returns the mean cross-entropy of net on the images x with the
// given labels, and the predicted digit of every image. Call it with the
// network in evaluation mode. It records no graph: the input is a constant
// of an inference Arena, so every op on it (and on the trainable
// parameters) computes values only, as under torch.no_grad().
func evaluate(net layers.Module[float32], x *tensor.Tensor[float32], labels []int) (loss float64, pred []int) {
	logits := infer(net, x)
	return float64(autograd.CrossEntropy(logits, labels).Item()), autograd.Argmax(logits, -1)
}

// infer returns net's logits for the images x, computed under an
// inference Arena: values only, no graph.
func infer(net layers.Module[float32], x *tensor.Tensor[float32]) *autograd.Var[float32] {
	return net.Forward(autograd.NewInferenceArena[float32]().Const(x))
}

// countEqual returns the number of positions where a and b agree.
func countEqual(a, b []int) int {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return n
}

// printConfusion prints the confusion matrix: row t, column p counts the
// test images of digit t that the model called p, so the diagonal holds
// the right answers.
func printConfusion(w io.Writer, m *[classes][classes]int) {
	fmt.Fprintln(w, "confusion matrix (rows: true digit, columns: predicted digit):")
	var b strings.Builder
	b.WriteString("     ")
	for p := range classes {
		fmt.Fprintf(&b, "%4d", p)
	}
	fmt.Fprintln(w, b.String())
	for t := range classes {
		b.Reset()
		fmt.Fprintf(&b, "%4d ", t)
		for p := range classes {
			fmt.Fprintf(&b, "%4d", m[t][p])
		}
		fmt.Fprintln(w, b.String())
	}
}

// newBar returns a progress bar over n batches, drawn on w, that erases
// itself when finished.
func newBar(w io.Writer, n int, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(50*time.Millisecond), // redraw at most 20 times a second
	)
}

// isTerminal reports whether w is a terminal (a character device), where a
// progress bar is drawn; in a file, a pipe or a test's buffer it would be
// noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
