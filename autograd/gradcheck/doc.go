// Package gradcheck checks analytic gradients against central finite
// differences, for the ops of this module and for anyone's own functions. It
// is a product, not a test helper: build your test suites on it.
//
// # Checking your own op
//
// Write the function of float64 tensors you want to check with autograd
// operations (or your own autograd.Function), give it inputs, and call Check
// (or Assert in a test):
//
//	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
//		return autograd.Sum(autograd.Mul(autograd.Tanh(x[0]), x[1]))
//	}
//	a := tensor.MustNew([]float64{0.1, -0.4, 0.7}, 3)
//	b := tensor.MustNew([]float64{1.5, 0.2, -2}, 3)
//	gradcheck.Assert(t, f, []*tensor.Tensor[float64]{a, b})
//
// The output may have any shape. The check builds the full Jacobian both
// ways: the analytic one with one backward pass per output element
// (autograd.Grad seeded with a one-hot vector), the numeric one with two
// forward evaluations per input element, (f(x+eps) - f(x-eps)) / 2eps. An
// element passes when
//
//	|analytic - numeric| <= atol + rtol·|numeric|
//
// with PyTorch's defaults eps 1e-6, atol 1e-5, rtol 1e-3. Check in float64:
// in float32 the finite differences are noise.
//
// Infinities and NaN follow torch.allclose: a NaN never passes (not even
// against NaN), and an infinite reference passes only against the same
// infinity, which only a Jacobian supplied to CheckJacobian can hold. A
// finite difference that overflowed to ±Inf vouches for no analytic value:
// the element fails whatever the analytic value, and the report says that
// the finite difference overflowed (Report.Overflowed). Check such a point
// with CheckJacobian against a closed form, or with a smaller Eps.
//
// # Inputs held constant
//
// An argument that f is not differentiated in (a target, labels, a mask) is
// held constant with the Constants option, as PyTorch's
// requires_grad=False: f receives it as an autograd.Const, and no check
// differentiates with respect to it or perturbs it. In a Case, mark the
// Input with Const.
//
//	mse := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
//		return autograd.MSE(x[0], x[1]) // prediction, target
//	}
//	gradcheck.Assert(t, mse, []*tensor.Tensor[float64]{pred, target}, gradcheck.Constants(1))
//
// Reports still count inputs as given: the prediction is input 0.
//
// # Several outputs
//
// A Func returns one Var, of any shape. Check a function with several
// outputs as one: flatten each with autograd.Reshape(y, -1) and join them
// with autograd.Concat(0, ...). Reports then index the joined output: with
// outputs of 2 and 3 elements, "output [3]" is element [1] of the second.
//
//	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
//		h, c := cell(x[0], x[1]) // two outputs
//		return autograd.Concat(0, autograd.Reshape(h, -1), autograd.Reshape(c, -1))
//	}
//
// Keep the outputs separate Funcs instead when a report should name them.
//
// # float32 ops
//
// Checks run in float64, where a central difference is accurate to about
// 1e-10; in float32 it is noise. To check an op a model runs in float32,
// write it once, generic over autograd.Float (a func swish[T
// autograd.Float](x *autograd.Var[T]) *autograd.Var[T], or a func
// newOp[T autograd.Float]() *autograd.Function[T] for a Function), and
// check its float64 instance: it is the same code.
//
// # Reading a report
//
// A failure is an *Error carrying a Report, and reads like this (one line,
// wrapped here):
//
//	gradcheck: 1 of 6 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06);
//	max abs err 1.7, max rel err 0.5; worst: input 0 element [1 1], output []:
//	analytic 1.7, numeric 3.4 (abs err 1.7, rel err 0.5)
//
// "1 of 6" says how much is wrong: one element (a bug at an edge, a broadcast
// axis, a diagonal) or all of them (a wrong formula). The worst element is
// the one furthest outside the tolerance: here the derivative of the scalar
// output with respect to element [1 1] of input 0. A ratio analytic/numeric
// of exactly 1/2 or 2 often means a missing or doubled factor, -1 a wrong
// sign, and analytic 0 a gradient that does not flow at all (a Detach, or a
// constant where a Var was needed). Label the inputs with Names
// to read "beta element [0]" instead of "input 1 element [0]". The same
// numbers are in the Report's fields for tests to assert on.
//
// # Choosing tolerances
//
// The central difference is off by about eps²·|f”'|/6 (truncation) plus
// ulp·|f|/eps (rounding), which at the default eps is around 1e-10 for
// well-scaled functions, far below the default tolerances: keep them, they
// catch real bugs. Loosen Rtol (1e-2) when the function is large or steep
// (outputs in the thousands, exponentials), Atol when many exact zeros meet
// tiny numeric noise, and raise Eps (1e-4) for functions that are noisy at
// the last bits (long reductions). A real derivative bug is off by a factor,
// not by 1e-4: if only a loosened check passes, look again. Atol is
// absolute, as in PyTorch: a Jacobian whose elements are all far below it
// (1e-7) passes whatever its error, so scale such a function up, or lower
// Atol.
//
// # Cost
//
// Check evaluates f 2n+3 times for n input elements (two per element for
// the finite differences, three for the order test below) and runs 2m
// backward passes for m output elements (the analytic Jacobian is built
// twice; one more evaluation when f resets an Arena, see below); it holds
// the n×m Jacobian about three times over, in float64.
// CheckJVP evaluates f 3n+1 times (one JVP and two finite differences per
// element), GradGradCheck costs what Check costs on the gradient function,
// with the grad output v as one more input. Check an op at a small shape:
// it runs the same code as a large one. A failing check evaluates f up to
// four more times (see below).
//
// # Kinks and singularities
//
// At a kink (ReLU and Abs at 0, ties in Max) the finite difference
// straddles two slopes and disagrees with any subgradient; at a
// singularity (Log at 0) it is meaningless. Check such ops at points away
// from them: draw inputs from a Domain such as NonZero or Positive. To check
// the subgradient chosen at the kink itself, use CheckJacobian: it compares
// the backward pass with a Jacobian you supply (a closed form), takes no
// finite differences, and holds with tolerances near zero.
//
// # Second order
//
// GradGradCheck checks gradients of gradients (autograd.Grad with
// CreateGraph), like PyTorch's gradgradcheck: it draws a seeded random vector
// v of the output's shape and checks the Jacobian of x, v ↦ vᵀ·∂f/∂x with
// respect to the inputs and to v. It fails when an op's backward is not
// written with differentiable operations or is differentiated wrongly. A
// Function whose backward is written on raw tensors (correct to first order
// only) is refused by autograd with a *autograd.UsageError naming it,
// which GradGradCheck returns as a *PanicError; one that loses a part of
// its derivative (Detach inside) shows as a mismatch. Its reports say
// "second order" and name elements as "input 0 element [1], gradient of input
// 1 element [2]"; v is the input labelled "grad output".
//
// # Forward mode
//
// CheckJVP (or AssertJVP in a test) checks forward mode, autograd.JVP, as
// Check checks reverse mode: it builds the Jacobian column by column, one
// JVP per input element along a one-hot tangent, and compares it with the
// same finite differences under the same criterion; its reports say
// "forward mode". It catches a wrong
// forward rule, a Function whose JVP rule is wrong, and a Function without
// one whose Backward is written on raw tensors (no forward rule can be
// derived from it). Functions written for autograd's transforms take their
// inputs variadically; Variadic makes one a Func:
//
//	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
//		return autograd.Mul(xs[0], autograd.Sin(xs[0]))
//	}
//	gradcheck.AssertJVP(t, gradcheck.Variadic(f), []*tensor.Tensor[float64]{x})
//
// # Suites
//
// A Case declares one check: a name, the function, its inputs (fixed values,
// or shapes drawn from a Domain with a seed), per-case Options, an optional
// supplied Jacobian, and whether to check second order (SecondOrder) and
// forward mode (ForwardMode) too. Run runs a table of them as subtests,
// each failure with its report, its inputs and the seed that reproduces
// them. Every failure says which check failed ("gradcheck: reverse mode:
// ", "gradcheck: second order: ", "gradcheck: forward mode: "), so that a
// Function with a right Backward and a wrong JVP rule reads as such, and
// points at the line of the test that called Run:
//
//	func TestMyOps(t *testing.T) {
//		gradcheck.Run(t, []gradcheck.Case{
//			{Name: "swish", F: swish, Inputs: []gradcheck.Input{
//				gradcheck.Random(gradcheck.Real, 2, 3).Named("x"),
//				gradcheck.Fixed(tensor.Scalar(1.5)).Named("beta"),
//			}, SecondOrder: true, ForwardMode: true},
//			{Name: "log", F: logSum, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Positive, 4)}},
//		})
//	}
//
// WantErr turns a case into an expected failure, to document a known kink or
// to prove that the suite catches a deliberately broken op.
//
// # What else is caught
//
// Every check also fails, with a distinct error, in the cases below
// (CheckJVP in all of them, but its order test covers the function's value
// only: it evaluates each JVP once):
//   - the function or its backward pass modifies an input (ErrMutatedInput,
//     naming the input and whether it happened in the forward pass, the
//     backward pass or while finite differences were taken);
//   - the gradient depends on evaluation order (ErrOrderDependent, as an
//     *OrderError naming the element): every check evaluates the function and
//     its analytic Jacobian twice at the same point, on two graphs, the second
//     time after an unrelated forward pass at another point and with output
//     elements and inputs in reverse order, and both must agree bit for bit.
//     This catches a backward that keeps state between calls (a cache it
//     forgets to reset), one that reads state the next application of the op
//     overwrote instead of what it saved for itself, and a function whose
//     value changes from call to call, such as Dropout drawing from a
//     generator f keeps between calls. Such a function may repeat its value
//     by chance (two equal masks) and then disagree with its finite
//     differences, so a check that finds a mismatch first evaluates f up to
//     four more times at the point and reports an *OrderError when the value
//     changed. To check a random op, make its generator inside f, with a
//     fixed seed: every call then draws the same numbers;
//   - the function or its backward panics (*PanicError, with the stack).
//
// Gradients that disagree wrap ErrMismatch, so errors.Is tells the cases
// apart.
//
// # Arenas
//
// f may take its memory from an autograd.Arena, and Reset it on entry as a
// training step does: the checks copy what they keep of each evaluation
// before they call f again. For such a function the order test cannot
// differentiate the second graph after the unrelated forward pass, whose
// Reset frees it; it builds that graph again and differentiates it at once,
// so a backward reading state that a later forward pass overwrote goes
// unseen there (check that without the Reset).
//
// # Concurrency
//
// The package has no state of its own: checks may run concurrently, also on
// shared input tensors, which they only read (they perturb copies), as long
// as the functions they check may (a function that closes over a model's
// parameters reads them only with Grad, not Backward, so several checks of
// it may run at once).
package gradcheck
