// Package optim holds the optimizers that update a network's parameters from
// their gradients. A training step is: compute the loss, Backward, Step,
// ZeroGrad.
//
//	opt, err := optim.NewSGD(net.Parameters(), 0.1, optim.Momentum(0.9))
//	...
//	for range steps {
//		loss := lossFn(net.Forward(x), y)
//		loss.Backward()
//		opt.Step()
//		opt.ZeroGrad()
//	}
//
// Updates happen in place on the parameters' values, and optimizer state is
// allocated once, so a steady-state step allocates nothing here.
package optim

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// SGD is stochastic gradient descent, W = W - lr·dE/dW, with optional
// (heavy-ball) momentum: v = μ·v + dE/dW, W = W - lr·v, as in torch.optim.SGD.
type SGD[T tensor.Float] struct {
	params   []*autograd.Var[T]
	lr       T
	momentum T
	velocity []*tensor.Tensor[T] // allocated on first use, one per parameter
}

// SGDOption configures NewSGD.
type SGDOption func(*sgdConfig)

type sgdConfig struct{ momentum float64 }

// Momentum sets the momentum factor μ (default 0, plain gradient descent).
func Momentum(mu float64) SGDOption { return func(c *sgdConfig) { c.momentum = mu } }

// NewSGD returns an SGD optimizer over params with learning rate lr. It
// returns an error for a negative, infinite or NaN learning rate or
// momentum, and for a parameter that does not require a gradient.
func NewSGD[T tensor.Float](params []*autograd.Var[T], lr float64, opts ...SGDOption) (*SGD[T], error) {
	var c sgdConfig
	for _, o := range opts {
		o(&c)
	}
	if err := checkHyper[T]("learning rate", lr); err != nil {
		return nil, err
	}
	if err := checkHyper[T]("momentum", c.momentum); err != nil {
		return nil, err
	}
	for i, p := range params {
		if p == nil || !p.RequiresGrad() || !p.IsLeaf() {
			return nil, fmt.Errorf("optim: NewSGD: parameter %d is not a trainable leaf (make it with autograd.Param)", i)
		}
	}
	return &SGD[T]{params: params, lr: T(lr), momentum: T(c.momentum)}, nil
}

// checkHyper rejects hyperparameters that are negative, NaN, or infinite,
// either as given or once converted to T (1e39 is +Inf in float32).
func checkHyper[T tensor.Float](name string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) || math.IsInf(float64(T(v)), 0) {
		return fmt.Errorf("optim: %s must be finite and non-negative, got %g", name, v)
	}
	return nil
}

// Step updates every parameter in place from its accumulated gradient. A
// parameter with no gradient yet (nil Grad) is skipped.
func (o *SGD[T]) Step() {
	if o.momentum != 0 && o.velocity == nil {
		o.velocity = make([]*tensor.Tensor[T], len(o.params))
	}
	for i, p := range o.params {
		g := p.Grad()
		if g == nil {
			continue
		}
		if o.momentum == 0 {
			p.Value().AddScaledInPlace(-o.lr, g)
			continue
		}
		v := o.velocity[i]
		if v == nil { // PyTorch starts the buffer at the first gradient
			v = g.Clone()
			o.velocity[i] = v
		} else {
			vd, gd := v.Data(), g.Data()
			for k := range vd {
				vd[k] = o.momentum*vd[k] + gd[k]
			}
		}
		p.Value().AddScaledInPlace(-o.lr, v)
	}
}

// ZeroGrad clears every parameter's gradient in place.
func (o *SGD[T]) ZeroGrad() { autograd.ZeroGrad(o.params...) }

// LR returns the current learning rate.
func (o *SGD[T]) LR() T { return o.lr }

// SetLR changes the learning rate, for schedules. It returns an error for a
// negative, infinite or NaN value and leaves the rate unchanged then.
func (o *SGD[T]) SetLR(lr float64) error {
	if err := checkHyper[T]("learning rate", lr); err != nil {
		return err
	}
	o.lr = T(lr)
	return nil
}
