package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// Fixed choices of the experiment; the flags set the rest (see config).
const (
	targetName   = "MEDV"             // median house value, k$
	hiddenSize   = 5                  // the article's hidden layer
	testFraction = 0.2                // share of the houses held out for the test RMSE
	targetLo     = 0.05               // the training split's cheapest house maps here...
	targetHi     = 0.95               // ...and its dearest here, inside the sigmoid's range
	splitStream  = 0x486f757365507269 // second PCG seed word ("HousePri"), fixed
)

// featureNames returns the article's four input variables, picked from the
// Boston data: rooms per dwelling, % lower-status population, pupil-teacher
// ratio, weighted distance to employment centres.
func featureNames() []string { return []string{"RM", "LSTAT", "PTRATIO", "DIS"} }

// config is one run's settings, filled from the command line by parseFlags.
type config struct {
	epochs   int     // passes over the training split
	batch    int     // houses per gradient step
	lr       float64 // learning rate α of W = W − α·dE/dW
	momentum float64 // heavy-ball momentum μ, 0 for the article's plain update
	seed     uint64  // seeds the split, the initial weights and the shuffles
	dot      string  // if not empty, write the first step's graph here
}

// report is what a training run measured.
type report struct {
	nTrain, nTest int
	gradDiff      float64 // max |Backward − hand-derived| on the first batch
	trainLoss     float64 // mean per-house E of the last epoch
	testRMSE      float64 // k$
	baselineRMSE  float64 // k$, always predicting the training mean
}

// train runs the whole experiment: load the embedded data, split, scale,
// train the article's network with SGD, and evaluate on the test split. It
// prints progress and results to out.
func train(cfg config, out io.Writer) (report, error) {
	var rep report
	ds, err := LoadCSV(strings.NewReader(housingCSV), featureNames(), targetName)
	if err != nil {
		return rep, fmt.Errorf("embedded housing.csv: %w", err)
	}
	if len(ds.Y) < 2 {
		return rep, fmt.Errorf("embedded housing.csv: %d rows, need at least 2", len(ds.Y))
	}
	rng := rand.New(rand.NewPCG(cfg.seed, splitStream))
	trainIdx, testIdx := Split(len(ds.Y), testFraction, rng)
	rep.nTrain, rep.nTest = len(trainIdx), len(testIdx)

	// Statistics come from the training split only, so that nothing about
	// the test houses leaks into training.
	std := FitStandardizer(ds.X, trainIdx)
	ts := FitTargetScaler(ds.Y, trainIdx, targetLo, targetHi)
	xs := make([][]float64, len(ds.X))
	ys := make([]float64, len(ds.Y))
	for i, row := range ds.X {
		xs[i] = std.Apply(row)
		ys[i] = ts.Scale(ds.Y[i])
	}
	fmt.Fprintf(out, "Boston housing: %d houses, %s -> %s (k$); %d train, %d test (seed %d)\n",
		len(ds.Y), strings.Join(ds.Features, " "), targetName, rep.nTrain, rep.nTest, cfg.seed)
	fmt.Fprintf(out, "network [%d %d 1], sigmoid; SGD lr %g, momentum %g, batch %d, epochs %d\n",
		len(ds.Features), hiddenSize, cfg.lr, cfg.momentum, cfg.batch, cfg.epochs)

	nf := len(ds.Features)
	net := NewNet(
		layers.XavierUniform[float64](rng, nf, hiddenSize, nf, hiddenSize),
		tensor.Scalar(0.0),
		layers.XavierUniform[float64](rng, hiddenSize, 1, hiddenSize, 1),
		tensor.Scalar(0.0),
	)
	opt, err := optim.NewSGD(net.Params(), cfg.lr, optim.Momentum(cfg.momentum))
	if err != nil {
		return rep, err
	}

	order := append([]int{}, trainIdx...)
	every := max(1, cfg.epochs/10)
	first := true
	for epoch := 1; epoch <= cfg.epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var sumE float64
		for start := 0; start < len(order); start += cfg.batch {
			b := order[start:min(start+cfg.batch, len(order))]
			xb, yb := columns(xs, ys, b)
			pass := net.Forward(autograd.Const(xb).SetName("X"))
			e := ArticleError(pass.O, autograd.Const(yb).SetName("Y"))
			// The article's E sums over the batch; dividing it by the batch
			// size makes the step size independent of the batch size (and
			// of a short last batch).
			inv := 1 / float64(len(b))
			loss := autograd.Scale(e, inv).SetName("loss")
			if first && cfg.dot != "" {
				if err := writeDOT(cfg.dot, loss); err != nil {
					return rep, err
				}
				fmt.Fprintf(out, "wrote the graph of one training step to %s\n", cfg.dot)
			}
			loss.Backward()
			if first {
				rep.gradDiff = maxGradDiff(net, net.HandGradients(xb, yb), inv)
				fmt.Fprintf(out, "first batch: max |Backward - hand-derived gradient| = %.3g\n", rep.gradDiff)
				first = false
			}
			sumE += e.Item()
			opt.Step()
			opt.ZeroGrad()
		}
		rep.trainLoss = sumE / float64(len(order))
		if epoch%every == 0 || epoch == cfg.epochs {
			fmt.Fprintf(out, "epoch %5d  train loss %.6f\n", epoch, rep.trainLoss)
		}
	}

	xt, _ := columns(xs, ys, testIdx)
	pred := net.Predict(xt).Data()
	var mean float64
	for _, i := range trainIdx {
		mean += ds.Y[i]
	}
	mean /= float64(len(trainIdx))
	var se, seBase float64
	for s, i := range testIdx {
		d := ts.Unscale(pred[s]) - ds.Y[i]
		se += d * d
		d = mean - ds.Y[i]
		seBase += d * d
	}
	rep.testRMSE = math.Sqrt(se / float64(len(testIdx)))
	rep.baselineRMSE = math.Sqrt(seBase / float64(len(testIdx)))
	fmt.Fprintf(out, "test RMSE     %6.2f k$  (network, %d test houses)\n", rep.testRMSE, rep.nTest)
	fmt.Fprintf(out, "baseline RMSE %6.2f k$  (always the training mean, %.2f k$)\n", rep.baselineRMSE, mean)
	return rep, nil
}

// columns builds the article's matrices for the samples idx: X [features n]
// and Y [1 n], one sample per column.
func columns(x [][]float64, y []float64, idx []int) (xm, ym *tensor.Tensor[float64]) {
	n := len(idx)
	nf := len(x[idx[0]])
	xd := make([]float64, nf*n)
	yd := make([]float64, n)
	for s, i := range idx {
		for f, v := range x[i] {
			xd[f*n+s] = v
		}
		yd[s] = y[i]
	}
	return tensor.MustNew(xd, nf, n), tensor.MustNew(yd, 1, n)
}

// maxGradDiff returns the largest absolute difference between the gradients
// Backward left in net's parameters and scale times the hand-derived ones.
func maxGradDiff(net *Net[float64], hand Gradients[float64], scale float64) float64 {
	pairs := []struct{ got, want *tensor.Tensor[float64] }{
		{net.Wih.Grad(), hand.Wih}, {net.Bih.Grad(), hand.Bih},
		{net.Who.Grad(), hand.Who}, {net.Bho.Grad(), hand.Bho},
	}
	var worst float64
	for _, p := range pairs {
		for k, g := range p.got.Data() {
			worst = max(worst, math.Abs(g-scale*p.want.Data()[k]))
		}
	}
	return worst
}

// writeDOT writes the graph that produced loss to a Graphviz DOT file.
func writeDOT(path string, loss *autograd.Var[float64]) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := autograd.WriteDOT(f, loss); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
