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
	"github.com/adjoint-go/adjoint/layers/data"
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
	plots    string  // if not empty, write the PNG plots into this directory
}

// report is what a training run measured.
type report struct {
	nTrain, nTest int
	gradDiff      float64   // max |Backward − hand-derived| on the first batch
	trainLoss     float64   // mean per-house E of the last epoch
	testRMSE      float64   // k$
	baselineRMSE  float64   // k$, always predicting the training mean
	losses        []float64 // trainLoss of every epoch, for the loss curve
	actual, pred  []float64 // k$, the test houses' prices and the network's predictions
}

// train runs the whole experiment: load the embedded data, split, scale,
// train the article's network with SGD on shuffled minibatches, and evaluate
// on the test split. It prints progress and results to out.
func train(cfg config, out io.Writer) (report, error) {
	var rep report
	x, y, err := loadHousing()
	if err != nil {
		return rep, err
	}
	rng := rand.New(rand.NewPCG(cfg.seed, splitStream))
	trainIdx, testIdx, err := data.Split(x.Rows(), testFraction, rng)
	if err != nil {
		return rep, fmt.Errorf("embedded housing.csv: %w", err)
	}
	rep.nTrain, rep.nTest = len(trainIdx), len(testIdx)

	// Statistics come from the training split only, so that nothing about
	// the test houses leaks into training.
	xTrain, yTrain := x.Take(trainIdx), y.Take(trainIdx)
	std := data.FitStandardizer(xTrain)
	ts, err := data.FitMinMax(yTrain, targetLo, targetHi)
	if err != nil {
		return rep, err
	}
	xs, err := std.Transform(xTrain)
	if err != nil {
		return rep, err
	}
	ys, err := ts.Transform(yTrain)
	if err != nil {
		return rep, err
	}
	fmt.Fprintf(out, "Boston housing: %d houses, %s -> %s (k$); %d train, %d test (seed %d)\n",
		x.Rows(), strings.Join(x.Names(), " "), targetName, rep.nTrain, rep.nTest, cfg.seed)
	fmt.Fprintf(out, "network [%d %d 1], sigmoid; SGD lr %g, momentum %g, batch %d, epochs %d\n",
		x.Cols(), hiddenSize, cfg.lr, cfg.momentum, cfg.batch, cfg.epochs)

	nf := x.Cols()
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

	// Minibatches of training rows, reshuffled every epoch by the same rng.
	batches, err := data.NewBatches(len(trainIdx), cfg.batch, rng, data.BatchOptions{})
	if err != nil {
		return rep, err
	}
	every := max(1, cfg.epochs/10)
	first := true
	for epoch := 1; epoch <= cfg.epochs; epoch++ {
		var sumE float64
		for b := range batches.Epoch() {
			xb, yb := columns(xs, b), columns(ys, b)
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
		rep.trainLoss = sumE / float64(len(trainIdx))
		rep.losses = append(rep.losses, rep.trainLoss)
		if epoch%every == 0 || epoch == cfg.epochs {
			fmt.Fprintf(out, "epoch %5d  train loss %.6f\n", epoch, rep.trainLoss)
		}
	}

	xTest, err := std.Transform(x.Take(testIdx))
	if err != nil {
		return rep, err
	}
	xt := columns(xTest, nil)
	pred := net.Predict(xt).Data()
	var mean float64
	for _, i := range trainIdx {
		mean += y.At(i, 0)
	}
	mean /= float64(len(trainIdx))
	var se, seBase float64
	for s, i := range testIdx {
		rep.actual = append(rep.actual, y.At(i, 0))
		rep.pred = append(rep.pred, ts.InverseValue(0, pred[s]))
		d := rep.pred[s] - y.At(i, 0)
		se += d * d
		d = mean - y.At(i, 0)
		seBase += d * d
	}
	rep.testRMSE = math.Sqrt(se / float64(len(testIdx)))
	rep.baselineRMSE = math.Sqrt(seBase / float64(len(testIdx)))
	fmt.Fprintf(out, "test RMSE     %6.2f k$  (network, %d test houses)\n", rep.testRMSE, rep.nTest)
	fmt.Fprintf(out, "baseline RMSE %6.2f k$  (always the training mean, %.2f k$)\n", rep.baselineRMSE, mean)
	return rep, nil
}

// columns builds the article's matrix of the rows idx of t (every row, in
// order, when idx is nil): one row per column of t and one sample per column
// of the matrix, [t.Cols() n]. Features give X [features n], the target
// column gives Y [1 n].
func columns(t *data.Table, idx []int) *tensor.Tensor[float64] {
	if idx == nil {
		idx = make([]int, t.Rows())
		for i := range idx {
			idx[i] = i
		}
	}
	n, nf := len(idx), t.Cols()
	m := make([]float64, nf*n)
	for s, i := range idx {
		for f, v := range t.Row(i) {
			m[f*n+s] = v
		}
	}
	return tensor.MustNew(m, nf, n)
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
