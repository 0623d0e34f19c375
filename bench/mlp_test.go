package bench

import (
	"fmt"
	"github.com/google/go-cmp/cmp"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// The MLP benchmarks use an MNIST-shaped 784-256-128-10 ReLU network.
const (
	mlpIn       = 784
	mlpClasses  = 10
	mlpLR       = 0.01
	mlpMomentum = 0.9
)

// newMLP returns the 784-256-128-10 ReLU network (He-uniform weights before
// each ReLU, Xavier-uniform for the output layer), seeded.
func newMLP(seed uint64) *layers.Sequential[float32] {
	rng := rand.New(rand.NewPCG(seed, 0x31f))
	return layers.NewSequential[float32](
		layers.NewLinear(rng, mlpIn, 256, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewLinear(rng, 256, 128, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		layers.NewLinear(rng, 128, mlpClasses, layers.XavierUniform[float32]),
	)
}

// mlpBatch returns a seeded random batch: inputs uniform in [0, 1) like
// pixel intensities, and class labels.
func mlpBatch(seed uint64, batch int) (x *tensor.Tensor[float32], labels []int) {
	rng := rand.New(rand.NewPCG(seed, 0xba7c4))
	x = tensor.RandUniform[float32](rng, 0, 1, batch, mlpIn)
	labels = make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(mlpClasses)
	}
	return x, labels
}

// mlpTrainer is the network, a fixed batch and an SGD-with-momentum
// optimizer, and optionally an Arena for the step's memory.
type mlpTrainer struct {
	net    *layers.Sequential[float32]
	x      *tensor.Tensor[float32]
	labels []int
	opt    *optim.SGD[float32]
	arena  *autograd.Arena[float32] // nil: every step allocates afresh
}

func newMLPTrainer(batch int, arena bool) *mlpTrainer {
	net := newMLP(1)
	x, labels := mlpBatch(2, batch)
	opt, err := optim.NewSGD(net.Parameters(), mlpLR, optim.Momentum(mlpMomentum))
	if err != nil {
		panic(err)
	}
	m := &mlpTrainer{net: net, x: x, labels: labels, opt: opt}
	if arena {
		m.arena = autograd.NewArena[float32]()
	}
	return m
}

// input returns the batch as a constant, from the arena if there is one
// (after resetting it: the previous step's memory is reused from here on).
func (m *mlpTrainer) input() *autograd.Var[float32] {
	if m.arena == nil {
		return autograd.Const(m.x)
	}
	m.arena.Reset()
	return m.arena.Const(m.x)
}

// step is one full training step and returns the loss before the update.
func (m *mlpTrainer) step() float32 {
	loss := autograd.CrossEntropy(m.net.Forward(m.input()), m.labels)
	loss.Backward()
	m.opt.Step()
	m.opt.ZeroGrad()
	return loss.Item()
}

// BenchmarkMLPStep times one training step of the 784-256-128-10 ReLU MLP in
// float32: forward (three fused Linear ops, two ReLUs), the fused softmax
// cross-entropy, Backward, an SGD step with momentum 0.9, ZeroGrad. Nearly
// all the work is matmuls: 2·batch·235k floating-point operations forward
// (30 MFLOP at batch 64), about 1.15 times that backward (the first layer's
// input needs no gradient). "arena" runs under an autograd.Arena; "fresh"
// allocates every step.
func BenchmarkMLPStep(b *testing.B) {
	for _, batch := range []int{64, 256} {
		benchMLPModes(b, batch, func(m *mlpTrainer) { m.step() }, mlpStepValues)
	}
}

// BenchmarkMLPForward times inference, net.Forward alone, at batch 64, under
// a training Arena ("arena") or allocating ("fresh"). The parameters are
// trainable, so the forward pass records graph nodes, as an evaluation loop
// without an inference Arena does (BenchmarkMLPInference has none).
func BenchmarkMLPForward(b *testing.B) {
	benchMLPModes(b, 64, func(m *mlpTrainer) { m.net.Forward(m.input()) }, mlpForwardValues)
}

// benchMLPModes runs work as the sub-benchmarks batch=N/arena and
// batch=N/fresh, each on a new trainer, and reports the peak RSS. Before
// the timer, warmUp runs goldenSteps steps of the same work and returns
// their values, which must be the ones recorded for the benchmark
// (golden_test.go): the Arena's first steps allocate, and are not timed.
func benchMLPModes(b *testing.B, batch int, work func(m *mlpTrainer), warmUp func(m *mlpTrainer) []float64) {
	name := goldenName(b) + "/" + batchName(batch)
	for _, mode := range []string{"arena", "fresh"} {
		b.Run(fmt.Sprintf("batch=%d/%s", batch, mode), func(b *testing.B) {
			m := newMLPTrainer(batch, mode == "arena")
			runtime.GC() // start without the previous benchmark's garbage (before the warm-up: see benchWorkload)
			checkGolden(b, name, warmUp(m))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N { // not b.Loop: see benchGemm (torch_bench.py runs these with -cpu 1,2)
				work(m)
			}
			reportPeakRSS(b)
		})
	}
}

// refCrossEntropy is the mean softmax cross-entropy and its gradient with
// respect to the logits, (softmax − onehot)/batch, in plain float64 Go.
func refCrossEntropy(logits [][]float64, labels []int) (loss float64, grad [][]float64) {
	grad = make([][]float64, len(logits))
	n := float64(len(logits))
	for i, row := range logits {
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(v - m)
		}
		loss += (math.Log(s) + m - row[labels[i]]) / n
		grad[i] = make([]float64, len(row))
		for j, v := range row {
			p := math.Exp(v-m) / s
			if j == labels[i] {
				p--
			}
			grad[i][j] = p / n
		}
	}
	return loss, grad
}

// TestCrossEntropyMatchesReference checks the composed loss and its gradient
// against the plain-Go reference on a tiny batch, including logits large
// enough that an unshifted exp would overflow.
func TestCrossEntropyMatchesReference(t *testing.T) {
	logits := [][]float64{
		{1, 2, 3, 0.5},
		{-1, 0, 0, 4},
		{1000, 999, 998, 1001}, // exp(1000) overflows without the shift
	}
	labels := []int{2, 0, 3}
	flat := make([]float64, 0, 12)
	for _, row := range logits {
		flat = append(flat, row...)
	}
	lv := autograd.Param(tensor.MustNew(flat, 3, 4))
	loss := autograd.CrossEntropy(lv, labels)
	loss.Backward()

	wantLoss, wantGrad := refCrossEntropy(logits, labels)
	assertClose(t, "loss", []float64{loss.Item()}, []float64{wantLoss}, 1e-12)
	var wg []float64
	for _, row := range wantGrad {
		wg = append(wg, row...)
	}
	assertClose(t, "d loss/d logits", lv.Grad().Data(), wg, 1e-12)
}

// TestMLPStepDecreasesLoss checks that the benchmarked step trains: 20 steps
// on one fixed batch bring the loss well down. The batch is smaller than the
// benchmark's to keep the test fast (under -race too); the network is the same.
func TestMLPStepDecreasesLoss(t *testing.T) {
	m := newMLPTrainer(8, false)
	first := m.step()
	if want := float32(math.Log(mlpClasses)); first < want/3 || first > want*3 {
		t.Errorf("initial loss %g, want near log(10) = %g for a fresh network", first, want)
	}
	last := first
	for range 19 {
		last = m.step()
		if math.IsNaN(float64(last)) {
			t.Fatal("loss became NaN")
		}
	}
	if last > first/2 {
		t.Errorf("loss only fell from %g to %g in 20 steps", first, last)
	}
}

// TestMLPStepArenaMatchesFresh checks that running the step under an Arena
// changes nothing: five steps give the same losses and parameters, bit for
// bit, as five steps that allocate afresh.
func TestMLPStepArenaMatchesFresh(t *testing.T) {
	fresh, arena := newMLPTrainer(8, false), newMLPTrainer(8, true)
	for i := range 5 {
		if lf, la := fresh.step(), arena.step(); lf != la {
			t.Fatalf("step %d: loss %v fresh, %v under an arena", i+1, lf, la)
		}
	}
	pf, pa := fresh.net.Parameters(), arena.net.Parameters()
	for i := range pf {
		if slices.Equal(pf[i].Value().Data(), pa[i].Value().Data()) {
			continue // cmp.Diff's verdict, without its reflection (slow under -race)
		}
		if diff := cmp.Diff(pf[i].Value().Data(), pa[i].Value().Data()); diff != "" {
			t.Errorf("parameter %d differs after 5 steps (-fresh +arena):\n%s", i, diff)
		}
	}
}
