package optim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// GroupOption configures one parameter group made with ParamGroup: its
// WeightDecay and its LRScale. An option a group does not take does not
// compile.
type GroupOption interface{ applyGroup(*groupConfig) }

// groupConfig is what a group's options set; a hyperparameter not set is
// the optimizer's own.
type groupConfig struct {
	wd, scale       float64
	hasWD, hasScale bool
}

type groupOptionFunc func(*groupConfig)

func (f groupOptionFunc) applyGroup(c *groupConfig) { f(c) }

func (o WeightDecayOption) applyGroup(c *groupConfig) { c.wd, c.hasWD = o.wd, true }

// LRScale sets a parameter group's learning rate as a multiple of the
// optimizer's: the group's parameters are updated with f·LR(), whatever
// rate SetLR, a Scheduler or a ReduceLROnPlateau gives the optimizer. A
// torch group {"params": backbone, "lr": 1e-4} in an optimizer made with
// lr=1e-3 is ParamGroup(backbone, LRScale(0.1)). f must be finite and
// non-negative; 0 freezes the group's weights (AdamW does not decay them
// either), though its optimizer state still follows its gradients.
func LRScale(f float64) GroupOption {
	return groupOptionFunc(func(c *groupConfig) { c.scale, c.hasScale = f, true })
}

// ParamGroupOption gives some of an optimizer's parameters hyperparameters
// of their own; it configures every optimizer here. Make it with
// ParamGroup.
type ParamGroupOption[T tensor.Float] struct {
	params []*autograd.Var[T]
	opts   []GroupOption
}

// ParamGroup makes params, which must be among the parameters given to the
// optimizer's constructor, a parameter group with the options opts, like a
// dict in the list torch.optim takes. The usual uses are no weight decay on
// biases and normalization weights (the GPT recipe):
//
//	var noDecay []*autograd.Var[float32]
//	for _, p := range ps {
//		if p.Value().Dims() < 2 {
//			noDecay = append(noDecay, p)
//		}
//	}
//	opt, err := optim.NewAdamW(ps, 1e-3, optim.WeightDecay(0.1),
//		optim.ParamGroup(noDecay, optim.WeightDecay(0)))
//
// and a smaller rate for a pretrained part, ParamGroup(backbone, LRScale(0.1)).
//
// The parameters in no ParamGroup make group 0, with the optimizer's own
// hyperparameters; the ParamGroup options are groups 1, 2, ..., in the
// order given. A group takes a hyperparameter it does not set from the
// optimizer's options, wherever they appear in the list: a WeightDecay
// given to the optimizer applies to every group but those with their own.
// The other hyperparameters (momentum, betas, ε, ...) and the non-finite
// policy are the optimizer's, for every group.
//
// The learning rate of a group is LRScale·LR(). LR and SetLR are group 0's
// rate, and every other group keeps its ratio to it, so a Scheduler, a
// ReduceLROnPlateau and a layers/parallel Trainer drive every group with
// no change. For schedules that multiply the base rate by a factor
// (StepLR, MultiStepLR, ExponentialLR, LinearLR, ConstantLR, PolynomialLR,
// the cosines down to a minimum of 0, and SequentialLRs of them) this is
// torch's behaviour, which scales each group's own initial rate by the
// same factor: with rates 1e-3 and 1e-4, after StepLR's gamma of 0.1 they
// are 1e-4 and 1e-5. Where torch takes one absolute rate for every group,
// here each group gets its multiple of it: a cosine's minimum,
// ReduceLROnPlateau's MinLR (torch clamps each group to it) and
// OneCycleLR's peak (torch's single max_lr puts every group on the same
// cycle; given a list of max_lr in the ratios of the LRScales, it matches).
//
// Every constructor (NewSGD, NewAdam, NewNAdam, ...) returns an error
// for a group parameter that is nil or not among the optimizer's
// parameters, one listed twice in a group or in two groups, and a group's
// weight decay or LRScale that is negative, NaN or infinite (also its rate
// once converted to T). A group may be empty. Step, the step in parts of
// SplitStepper and the NonFinitePolicy treat every group alike: a step the
// policy skips is skipped for every group. SaveState records the groups,
// and LoadState restores their rates (see LoadState).
func ParamGroup[T tensor.Float](params []*autograd.Var[T], opts ...GroupOption) ParamGroupOption[T] {
	return ParamGroupOption[T]{params: params, opts: opts}
}

// spec returns the group as the constructors read it.
func (g ParamGroupOption[T]) spec() groupSpec {
	var c groupConfig
	for _, o := range g.opts {
		if o != nil {
			o.applyGroup(&c)
		}
	}
	return groupSpec{params: g.params, cfg: c}
}

func (g ParamGroupOption[T]) applySGD(c *sgdConfig)         { c.groups = append(c.groups, g.spec()) }
func (g ParamGroupOption[T]) applyAdam(c *adamConfig)       { c.groups = append(c.groups, g.spec()) }
func (g ParamGroupOption[T]) applyRMSProp(c *rmspropConfig) { c.groups = append(c.groups, g.spec()) }
func (g ParamGroupOption[T]) applyAdagrad(c *adagradConfig) { c.groups = append(c.groups, g.spec()) }

// groupSpec is one ParamGroup option as a constructor receives it. The
// option types are not generic, so the parameters travel as any: a
// []*autograd.Var[T] of the ParamGroup's T, which the constructor checks.
type groupSpec struct {
	params any
	cfg    groupConfig
}

// GroupInfo describes one parameter group of an optimizer, as Groups
// returns it.
type GroupInfo[T tensor.Float] struct {
	// Params are the group's parameters, in the order of the optimizer's
	// Params.
	Params []*autograd.Var[T]
	// LRScale is the group's rate over the optimizer's (1 for group 0).
	LRScale float64
	// LR is the rate the group's parameters are updated with now:
	// LRScale·LR() of the optimizer.
	LR float64
	// WeightDecay is the group's weight decay λ.
	WeightDecay float64
}

// groupTable is each parameter's group and each group's hyperparameters;
// group 0 holds the parameters in no ParamGroup, with the optimizer's own.
type groupTable[T tensor.Float] struct {
	of    []int     // of[i]: parameter i's group
	scale []float64 // each group's LRScale; scale[0] is 1
	wd    []float64 // each group's weight decay, as given
	lr    []T       // each group's rate in T, T(scale·lr), set with the rate
}

// initGroups sorts o's parameters into groups 0 (the optimizer's, with
// weight decay wd) and one per spec, after checking the specs; the errors
// name op.
func (o *base[T]) initGroups(op string, wd float64, specs []groupSpec) error {
	g := groupTable[T]{
		of:    make([]int, len(o.params)),
		scale: make([]float64, 1+len(specs)),
		wd:    make([]float64, 1+len(specs)),
		lr:    make([]T, 1+len(specs)),
	}
	g.scale[0], g.wd[0] = 1, wd
	index := make(map[*autograd.Var[T]]int, len(o.params))
	for i, p := range o.params {
		index[p] = i
	}
	for k, s := range specs {
		k++ // group 0 is the optimizer's own
		ps, ok := s.params.([]*autograd.Var[T])
		if !ok {
			return fmt.Errorf("optim: %s: group %d holds parameters of type %T, the optimizer's are %T", op, k, s.params, o.params)
		}
		g.scale[k], g.wd[k] = 1, wd
		if s.cfg.hasScale {
			if err := checkHyper[T](op, "group "+strconv.Itoa(k)+"'s LRScale", s.cfg.scale); err != nil {
				return err
			}
			g.scale[k] = s.cfg.scale
		}
		if s.cfg.hasWD {
			if err := checkHyper[T](op, "group "+strconv.Itoa(k)+"'s weight decay", s.cfg.wd); err != nil {
				return err
			}
			g.wd[k] = s.cfg.wd
		}
		for j, p := range ps {
			i, ok := index[p]
			switch {
			case p == nil:
				return &ArgError{Op: op, Arg: fmt.Sprintf("group %d's parameter %d", k, j), Value: p, Reason: "must not be nil"}
			case !ok:
				return fmt.Errorf("optim: %s: group %d's parameter %d is not among the optimizer's parameters", op, k, j)
			case g.of[i] == k:
				return fmt.Errorf("optim: %s: group %d lists parameter %d of the optimizer twice (its parameter %d)", op, k, i, j)
			case g.of[i] != 0:
				return fmt.Errorf("optim: %s: group %d's parameter %d (parameter %d of the optimizer) is in group %d already", op, k, j, i, g.of[i])
			}
			g.of[i] = k
		}
	}
	o.groups = g
	return nil
}

// setRates sets the learning rate to lr and, unless scales is nil, the
// groups' LRScales to scales (one per group), after checking that every
// group's rate is finite and non-negative in T; on error it changes
// nothing. It allocates nothing.
func (o *base[T]) setRates(op string, lr float64, scales []float64) error {
	if scales == nil {
		scales = o.groups.scale
	}
	if err := checkHyper[T](op, "learning rate", lr); err != nil {
		return err
	}
	for k := 1; k < len(scales); k++ {
		if checkHyper[T](op, "learning rate", lr*scales[k]) != nil {
			return fmt.Errorf("optim: %s: group %d's learning rate, LRScale %g times %g, must be finite and non-negative in %T", op, k, scales[k], lr, T(0))
		}
	}
	copy(o.groups.scale, scales)
	o.lr = lr
	for k, s := range o.groups.scale {
		o.groups.lr[k] = T(lr * s) // group 0's is T(lr): s is 1
	}
	return nil
}

// Groups returns the optimizer's parameter groups (see ParamGroup): group 0,
// the parameters in no ParamGroup, then one per ParamGroup option, in the
// order given. Without ParamGroup options there is one group, of every
// parameter.
func (o *base[T]) Groups() []GroupInfo[T] {
	gs := make([]GroupInfo[T], len(o.groups.scale))
	for k := range gs {
		gs[k] = GroupInfo[T]{LRScale: o.groups.scale[k], LR: o.lr * o.groups.scale[k], WeightDecay: o.groups.wd[k]}
	}
	for i, p := range o.params {
		k := o.groups.of[i]
		gs[k].Params = append(gs[k].Params, p)
	}
	return gs
}

// grouped reports whether the optimizer was given ParamGroup options.
func (o *base[T]) grouped() bool { return len(o.groups.scale) > 1 }

// groupsMeta returns the entries of a state file that record the groups:
// each parameter's group, and each group's LRScale and weight decay; none
// without ParamGroup options.
func (o *base[T]) groupsMeta() map[string]string {
	if !o.grouped() {
		return nil
	}
	return map[string]string{
		"groups":        membership(o.groups.of),
		"lr_scales":     floats(o.groups.scale),
		"weight_decays": floats(o.groups.wd),
	}
}

// membership lists each parameter's group, "0,1,1,0".
func membership(of []int) string {
	var b strings.Builder
	for i, k := range of {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(k))
	}
	return b.String()
}

// floats lists xs exactly, "1,0.1".
func floats(xs []float64) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return b.String()
}

// readGroups checks a state file's group entries against o's groups and
// returns the file's LRScales, or nil when the file records no groups (it
// was written without ParamGroup options, or before they existed). The
// error says what does not fit.
func (o *base[T]) readGroups(meta map[string]string) ([]float64, error) {
	members, ok := meta["groups"]
	if !ok {
		return nil, nil
	}
	if !o.grouped() {
		return nil, fmt.Errorf("the file's parameters are in groups %q, the optimizer has no ParamGroup", members)
	}
	if want := membership(o.groups.of); members != want {
		return nil, fmt.Errorf("the file's parameters are in groups %q, the optimizer's in %q", members, want)
	}
	list, ok := meta["lr_scales"]
	if !ok {
		return nil, errors.New(`the file records "groups" but no "lr_scales"`)
	}
	fields := strings.Split(list, ",")
	if len(fields) != len(o.groups.scale) {
		return nil, fmt.Errorf("the file's LRScales %q are for %d groups, the optimizer has %d", list, len(fields), len(o.groups.scale))
	}
	scales := make([]float64, len(fields))
	for k, f := range fields {
		s, err := strconv.ParseFloat(f, 64)
		if err != nil || !(s >= 0) || (k == 0 && s != 1) {
			return nil, fmt.Errorf("the file's LRScale of group %d is %q", k, f)
		}
		scales[k] = s
	}
	return scales, nil
}
