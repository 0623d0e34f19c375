// Package optim updates a network's parameters from their gradients: the
// optimizers of torch.optim, gradient clipping, and learning-rate schedules.
//
// A training step is: compute the loss, Backward, (clip), Step, ZeroGrad.
//
//	opt, err := optim.NewAdam(net.Parameters(), 1e-3)
//	if err != nil { ... }
//	for range steps {
//		loss := lossFn.Loss(net.Forward(x), y)
//		loss.Backward()
//		if _, err := optim.ClipGradNorm(opt.Params(), 1.0); err != nil { ... } // optional
//		if err := opt.Step(); err != nil { ... }
//		opt.ZeroGrad()
//	}
//
// # Optimizers
//
// Every optimizer implements [Optimizer] and follows torch.optim's update
// formulas and defaults exactly (a test replays torch.optim's own numbers):
//
//   - [NewSGD]: gradient descent with optional [Momentum], [Dampening],
//     [Nesterov] momentum and L2 [WeightDecay] (added to the gradient).
//   - [NewAdam]: Adam with [Betas], [Eps], L2 [WeightDecay] and [AMSGrad].
//     Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
//   - [NewAdamW]: Adam with decoupled weight decay (the parameter shrinks by
//     lr·wd before the Adam update); [WeightDecay] defaults to 0.01.
//   - [NewRMSProp]: RMSProp with [Alpha], [Eps], [Momentum], [Centered] and
//     L2 [WeightDecay]. Defaults: alpha 0.99, eps 1e-8; torch's lr default is
//     1e-2.
//   - [NewAdagrad]: Adagrad with [LRDecay], [InitialAccumulator], [Eps] and
//     L2 [WeightDecay]. Defaults: eps 1e-10; torch's lr default is 1e-2.
//   - [NewNAdam]: Adam with Nesterov momentum, with [Betas], [Eps], L2
//     [WeightDecay] and [MomentumDecay]. Defaults: betas (0.9, 0.999), eps
//     1e-8, momentum decay 4e-3; torch's lr default is 2e-3.
//   - [NewRAdam]: rectified Adam, with [Betas], [Eps] and L2 [WeightDecay]:
//     the bias-corrected momentum alone until a parameter's variance
//     estimate can be trusted, then a rectified Adam step. Defaults as Adam.
//   - [NewAdamax]: Adam with an infinity norm instead of the second moment,
//     with [Betas], [Eps] (inside the maximum, as torch's) and L2
//     [WeightDecay]. Defaults as Adam; torch's lr default is 2e-3.
//   - [NewAdadelta]: Adadelta with [Rho], [Eps] and L2 [WeightDecay].
//     Defaults: rho 0.9, eps 1e-6; torch's lr default is 1.0.
//
// Every optimizer also takes [Maximize], torch's maximize=True: it climbs
// the objective, stepping along −g. Options are typed: an option that does
// not apply to an optimizer does not compile. Constructors return an error for a hyperparameter out of range (a
// negative, NaN or infinite learning rate, a beta outside [0, 1), ...) and
// for a parameter that is nil, not a leaf, does not require a gradient, or
// appears twice (or, for a [ParamGroup], is not among the optimizer's or is
// in two groups).
//
// A parameter whose gradient is nil (it took no part in any Backward yet) is
// skipped by Step: its value does not change and its optimizer state,
// Adam's step count included, does not advance, exactly as in torch.optim.
// Step does not consume gradients; call ZeroGrad after it. Optimizer state
// is allocated once, at a parameter's first gradient, so a steady-state
// step allocates nothing. An optimizer belongs to one goroutine at a time.
//
// # Parameter groups
//
// Some parameters can have hyperparameters of their own, as in torch's list
// of parameter groups: a [ParamGroup] option gives a subset of the
// optimizer's parameters its own [WeightDecay] and its own learning rate,
// as an [LRScale] of the optimizer's. The usual recipe leaves biases and
// normalization weights undecayed:
//
//	opt, err := optim.NewAdamW(ps, 1e-3, optim.WeightDecay(0.1),
//		optim.ParamGroup(noDecay, optim.WeightDecay(0)))
//
// LR and SetLR are the rate of group 0 (the parameters in no ParamGroup),
// and each group's rate stays its LRScale times that, so schedules drive
// every group as torch's scale each group's own base rate. Every
// optimizer's Groups method lists the groups and their current rates.
//
// Every optimizer here also implements [SplitStepper]: its step can be made
// in parts, BeginStep then StepRange over element ranges on several
// goroutines at once, with the bits of Step. Package layers/parallel uses
// it so that its workers share one optimizer step.
//
// # Non-finite gradients
//
// One batch with a NaN, or a loss that overflows, makes NaN or ±Inf
// gradients, and one update with them ruins every weight. The [NonFinite]
// option chooses what Step does then ([NonFinitePolicy]):
// [PropagateNonFinite], the default, applies the update as torch.optim
// does and checks nothing; [SkipNonFinite] leaves the parameters and the
// optimizer state untouched, counts the step in Skipped and returns nil;
// [ErrorNonFinite] skips likewise and returns a [*NonFiniteError] naming the
// parameter. The check reads every gradient once (a few GB/s) and allocates
// nothing. A [Scheduler] stepped after a skipped step still moves on, as
// torch's does; its doc shows how to hold it back.
//
// # Gradient clipping
//
// [ClipGradNorm] scales all gradients together so that their global norm
// is at most a bound (torch.nn.utils.clip_grad_norm_); [ClipGradValue]
// clamps each element (clip_grad_value_). Call them between Backward and
// Step. A NaN or infinite total norm is returned as a [*NonFiniteError]
// with the gradients left unscaled (torch's error_if_nonfinite=True).
//
// # Learning-rate schedules
//
// A [Schedule] maps a step number to a learning rate, as torch's schedulers
// do (a test replays their rates): [NewStepLR], [NewMultiStepLR],
// [NewExponentialLR], [NewLinearLR] and [NewConstantLR] (warm-ups),
// [NewPolynomialLR], [NewWarmupCosineLR] (linear warm-up, then cosine
// annealing to a minimum; with no warm-up, torch's CosineAnnealingLR),
// [NewCosineAnnealingWarmRestarts] (SGDR), [NewOneCycleLR] (the 1cycle
// policy), [NewSequentialLR] (schedules one after another), or any
// [ScheduleFunc]. Schedules are immutable values and safe for concurrent
// use. A [Scheduler] applies one to an optimizer through SetLR: it sets the
// step-0 rate when made, and each Scheduler.Step moves to the next step,
// like torch's scheduler.step(). Each Step sets the rate outright, so
// schedules combine inside one Schedule (a SequentialLR, a ScheduleFunc);
// two Schedulers on one optimizer do not compose as torch's chainable
// schedulers do.
//
// [ReduceLROnPlateau] depends on the run instead: stepped with a validation
// metric once per epoch, it lowers the rate when the metric stops
// improving. Its counts are saved and restored with State and SetState.
//
// # Saving and resuming
//
// Training resumes where it stopped from two files: the model's weights
// (layers.SaveFile) and the optimizer's state, [SaveStateFile] (the
// moments and step counts the next steps depend on; torch's
// optimizer.state_dict()). After loading both, [LoadStateFile], and
// [Scheduler.SetSteps] for a schedule (or [ReduceLROnPlateau.SetState]),
// the following steps give the bits of an uninterrupted run, provided they
// draw the same random numbers: a model with dropout also needs its
// generators' states (layers.RNGState, layers.SetRNGState), and shuffled
// batches their order and generator (data.Batches.Order). The state
// file is safetensors: parameter i (in the order of Params) has its
// buffers under torch.optim's names, "state.<i>.<name>", each of the
// parameter's shape, the step count of the optimizers that keep one as the
// F64 scalar "state.<i>.step", and NAdam's product of momentum
// coefficients as the F64 scalar "state.<i>.mu_product":
//
//	SGD with momentum   momentum_buffer
//	Adam, AdamW         exp_avg, exp_avg_sq, max_exp_avg_sq (AMSGrad), step
//	RMSProp             square_avg, grad_avg (centered), momentum_buffer (momentum)
//	Adagrad             sum, step
//	NAdam               exp_avg, exp_avg_sq, step, mu_product
//	RAdam               exp_avg, exp_avg_sq, step
//	Adamax              exp_avg, exp_inf, step
//	Adadelta            square_avg, acc_delta
//
// A parameter that has had no gradient yet has no state and no entry. The
// metadata names the optimizer ("optimizer": "Adam"), its number of
// parameters ("params"), the buffers a parameter has ("buffers":
// "exp_avg,exp_avg_sq,step"), the parameters' shapes ("shapes":
// "256x784;256;10x256;10", checked on loading when present) and the
// learning rate ("lr", group 0's). With ParamGroup options it also records
// each parameter's group ("groups": "0,1,0,1"), each group's LRScale
// ("lr_scales": "1,0.1") and weight decay ("weight_decays": "0.1,0"); see
// [LoadState] for what it restores. An optimizer
// made of others with the same state, a layers/parallel Trainer's, is a
// [Wrapper]: its state is saved once and loaded into each.
package optim
