package bench

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// trainTiny trains a small MLP on a fixed synthetic regression task for the
// given number of steps and returns the final parameters' bits.
func trainTiny(t testing.TB, seed uint64, steps int) []uint64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	net := layers.NewSequential(
		layers.NewLinear(rng, 8, 32, layers.XavierUniform[float64]),
		layers.Tanh[float64]{},
		layers.NewLinear(rng, 32, 1, layers.XavierUniform[float64]),
	)
	opt, err := optim.NewSGD(net.Parameters(), 0.05, optim.Momentum(0.9))
	if err != nil {
		t.Fatal(err)
	}
	x := autograd.Const(tensor.RandNormal(rng, 0, 1.0, 64, 8))
	w := tensor.RandNormal(rng, 0, 1.0, 8, 1)
	y := autograd.Const(tensor.Map(tensor.MatMul(x.Value(), w, false, false), math.Sin))
	for range steps {
		loss := autograd.MSE(net.Forward(x), y)
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}
	var bits []uint64
	for _, p := range net.Parameters() {
		for _, v := range p.Value().Data() {
			bits = append(bits, math.Float64bits(v))
		}
	}
	return bits
}

// liveHeap returns the bytes of live heap objects after two full GCs: a
// sync.Pool's items survive one collection (in its victim cache), so after
// one the count still holds whatever the pools kept, for instance the large
// buffers of an earlier test's full-size workloads, which the next
// collection frees and which would then hide a leak.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// heapGrowth trains for steps steps and returns how much the live heap grew
// between a tenth of the way and the end. With leak, every step's loss is
// kept with its graph (RetainGraph), the leak the measurement must see.
func heapGrowth(t *testing.T, steps int, leak bool) (early, late uint64) {
	var kept []*autograd.Var[float64]
	rng := rand.New(rand.NewPCG(1, 7))
	net := layers.NewSequential(
		layers.NewLinear(rng, 8, 32, layers.XavierUniform[float64]),
		layers.Tanh[float64]{},
		layers.NewLinear(rng, 32, 1, layers.XavierUniform[float64]),
	)
	opt, err := optim.NewSGD(net.Parameters(), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	x := autograd.Const(tensor.RandNormal(rng, 0, 1.0, 64, 8))
	y := autograd.Const(tensor.RandNormal(rng, 0, 1.0, 64, 1))
	for step := range steps {
		if step == steps/10 {
			early = liveHeap()
		}
		loss := autograd.MSE(net.Forward(x), y)
		if leak {
			loss.Backward(autograd.RetainGraph())
			kept = append(kept, loss)
		} else {
			loss.Backward()
		}
		opt.Step()
		opt.ZeroGrad()
	}
	late = liveHeap()
	runtime.KeepAlive(kept)
	return early, late
}

// flatSlack is the growth allowed for runtime noise (test framework, GC
// metadata): far below what one leaked graph per step adds.
const flatSlack = 256 << 10

// TestFlatMemory trains for 5,000 steps and checks that the live heap after
// a GC does not grow: Backward releases each step's graph. It first checks
// that the measurement does see a leak.
func TestFlatMemory(t *testing.T) {
	steps := 5000
	if testing.Short() {
		steps = 1000
	}
	if early, late := heapGrowth(t, steps/5, true); late < early+flatSlack {
		t.Fatalf("keeping every graph grew the live heap only from %d to %d bytes: the measurement cannot see a leak", early, late)
	}
	if early, late := heapGrowth(t, steps, false); late > early+flatSlack {
		t.Errorf("live heap grew from %d to %d bytes over %d training steps", early, late, steps)
	}
}

// TestConcurrentTrainingMatchesSerial trains eight models at once, one per
// goroutine, and checks that each ends bit-for-bit where the same run ends
// alone.
func TestConcurrentTrainingMatchesSerial(t *testing.T) {
	const workers, steps = 8, 200
	want := make([][]uint64, workers)
	for i := range workers {
		want[i] = trainTiny(t, uint64(i+1), steps)
	}
	got := make([][]uint64, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { got[i] = trainTiny(t, uint64(i+1), steps) })
	}
	wg.Wait()
	for i := range workers {
		if !equalBits(want[i], got[i]) {
			t.Errorf("model %d trained concurrently differs from its serial run", i)
		}
	}
}

// TestDeterministicAcrossGOMAXPROCS trains the same model with GOMAXPROCS 1
// and 2: parallel kernels must split work without changing any sum's order.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := trainTiny(t, 3, 100)
	runtime.GOMAXPROCS(2)
	two := trainTiny(t, 3, 100)
	if !equalBits(one, two) {
		t.Error("training with GOMAXPROCS 1 and 2 gave different bits")
	}
	again := trainTiny(t, 3, 100)
	if !equalBits(two, again) {
		t.Error("two identical runs gave different bits")
	}
}

func equalBits(a, b []uint64) bool {
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
