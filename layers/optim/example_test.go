package optim_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// Example fits y = 2x + 1 with one Linear layer: the training loop is loss,
// Backward, Step, ZeroGrad.
func Example() {
	x := autograd.Const(tensor.MustNew([]float64{-1, -0.5, 0, 0.5, 1}, 5, 1))
	y := autograd.Const(tensor.MustNew([]float64{-1, 0, 1, 2, 3}, 5, 1))

	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewLinear[float64](rng, 1, 1, nil)
	opt, err := optim.NewSGD(net.Parameters(), 0.1, optim.Momentum(0.9))
	if err != nil {
		fmt.Println(err)
		return
	}
	lossFn := layers.MSELoss[float64]{}

	var first, last float64
	for step := range 200 {
		loss := lossFn.Loss(net.Forward(x), y)
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}
	fmt.Printf("loss at step 0: %.4f\n", first)
	fmt.Printf("final loss: %.4f\n", last)
	fmt.Println("loss decreased:", last < first)
	fmt.Printf("w = %.3f, b = %.3f\n", net.Weight.Value().Item(), net.Bias.Value().Item())
	// Output:
	// loss at step 0: 2.5169
	// final loss: 0.0000
	// loss decreased: true
	// w = 2.000, b = 1.000
}

// ExampleNewAdam is a complete training loop: Adam with a warm-up and cosine
// schedule and gradient clipping, fitting y = 3·x₁ − 2·x₂ + 0.5 with one
// Linear layer.
func ExampleNewAdam() {
	xs := []float64{-1, -1, -1, 1, 1, -1, 1, 1, 0.5, 0, 0, 0.5, -0.5, 0.25, 0.25, -0.5}
	ys := make([]float64, len(xs)/2)
	for i := range ys {
		ys[i] = 3*xs[2*i] - 2*xs[2*i+1] + 0.5
	}
	x := autograd.Const(tensor.MustNew(xs, len(ys), 2))
	y := autograd.Const(tensor.MustNew(ys, len(ys), 1))

	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewLinear[float64](rng, 2, 1, nil)
	opt, err := optim.NewAdam(net.Parameters(), 0.1)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 20 steps of linear warm-up from 0.01 to 0.1, then 280 of cosine decay
	// to 1e-4.
	schedule, err := optim.NewWarmupCosineLR(optim.WarmupCosineConfig{
		Base: 0.1, StartFactor: 0.1, Warmup: 20, Decay: 280, Min: 1e-4})
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := optim.NewScheduler(opt, schedule)
	if err != nil {
		fmt.Println(err)
		return
	}
	lossFn := layers.MSELoss[float64]{}

	var loss float64
	for step := range 300 {
		if step%100 == 0 {
			fmt.Printf("step %3d: lr %.4f\n", step, opt.LR())
		}
		l := lossFn.Loss(net.Forward(x), y)
		loss = l.Item()
		l.Backward()
		if _, err := optim.ClipGradNorm(opt.Params(), 5); err != nil {
			fmt.Println(err) // a NaN or Inf gradient: nothing was scaled
			return
		}
		if err := opt.Step(); err != nil {
			fmt.Println(err)
			return
		}
		opt.ZeroGrad()
		if err := sched.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	w := net.Weight.Value().Data()
	fmt.Printf("w = [%.3f %.3f], b = %.3f\n", w[0], w[1], net.Bias.Value().Item())
	fmt.Println("final loss below 1e-6:", loss < 1e-6)
	// Output:
	// step   0: lr 0.0100
	// step 100: lr 0.0812
	// step 200: lr 0.0284
	// w = [3.000 -2.000], b = 0.500
	// final loss below 1e-6: true
}

// ExampleNewScheduler prints a warm-up and cosine schedule as a Scheduler
// applies it to an optimizer, one Step per epoch.
func ExampleNewScheduler() {
	w := autograd.Param(tensor.Zeros[float32](3))
	opt, err := optim.NewSGD([]*autograd.Var[float32]{w}, 0.1, optim.Momentum(0.9))
	if err != nil {
		fmt.Println(err)
		return
	}
	schedule, err := optim.NewWarmupCosineLR(optim.WarmupCosineConfig{
		Base: 0.1, StartFactor: 0.25, Warmup: 3, Decay: 4, Min: 0.01})
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := optim.NewScheduler(opt, schedule)
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch := range 9 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, opt.LR())
		// ... train one epoch: Backward, opt.Step, opt.ZeroGrad per batch ...
		if err := sched.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// epoch 0: lr 0.0250
	// epoch 1: lr 0.0500
	// epoch 2: lr 0.0750
	// epoch 3: lr 0.1000
	// epoch 4: lr 0.0868
	// epoch 5: lr 0.0550
	// epoch 6: lr 0.0232
	// epoch 7: lr 0.0100
	// epoch 8: lr 0.0100
}

// ExampleClipGradNorm clips gradients whose global L2 norm is 5 (the
// gradients [3] and [4] are one vector) to norm 1.
func ExampleClipGradNorm() {
	a := autograd.Param(tensor.MustNew([]float64{1}, 1))
	b := autograd.Param(tensor.MustNew([]float64{2}, 1))
	loss := autograd.Add(autograd.Scale(a, 3), autograd.Scale(b, 4)) // gradients 3 and 4
	autograd.Sum(loss).Backward()

	total, err := optim.ClipGradNorm([]*autograd.Var[float64]{a, b}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("norm before: %.1f\n", total)
	fmt.Printf("gradients after: %.4f %.4f\n", a.Grad().Item(), b.Grad().Item())
	// Output:
	// norm before: 5.0
	// gradients after: 0.6000 0.8000
}

// ExampleSaveState resumes training in a new model and optimizer, as a new
// process would from its two files: the weights (layers.Save) and the
// optimizer's state. The resumed steps give the weight of the run that was
// never stopped, bit for bit.
func ExampleSaveState() {
	x := autograd.Const(tensor.MustNew([]float64{-1, 0, 1}, 3, 1))
	y := autograd.Const(tensor.MustNew([]float64{-1, 1, 3}, 3, 1))
	newNet := func() (*layers.Linear[float64], *optim.Adam[float64]) {
		net := layers.NewLinear[float64](rand.New(rand.NewPCG(1, 2)), 1, 1, nil)
		opt, _ := optim.NewAdam(net.Parameters(), 0.1)
		return net, opt
	}
	train := func(net *layers.Linear[float64], opt *optim.Adam[float64], steps int) {
		for range steps {
			layers.MSELoss[float64]{}.Loss(net.Forward(x), y).Backward()
			_ = opt.Step()
			opt.ZeroGrad()
		}
	}

	straight, straightOpt := newNet()
	train(straight, straightOpt, 20)

	net, opt := newNet()
	train(net, opt, 10)
	var weights, state bytes.Buffer
	if err := layers.Save(&weights, net); err != nil {
		fmt.Println(err)
		return
	}
	if err := optim.SaveState(&state, opt); err != nil {
		fmt.Println(err)
		return
	}

	resumed, resumedOpt := newNet()
	if err := layers.Load(&weights, resumed); err != nil {
		fmt.Println(err)
		return
	}
	if err := optim.LoadState(&state, resumedOpt); err != nil {
		fmt.Println(err)
		return
	}
	train(resumed, resumedOpt, 10)
	fmt.Println(resumed.Weight.Item() == straight.Weight.Item(), resumed.Bias.Item() == straight.Bias.Item())
	// Output: true true
}
