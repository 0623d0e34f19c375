package optim

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// stateful is what SaveState and LoadState need of an optimizer: this
// package's optimizers implement it.
type stateful[T tensor.Float] interface {
	Optimizer[T]
	// stateKind names the optimizer in the file's metadata.
	stateKind() string
	// stateLayout names the buffers of a parameter with state, in the
	// order of stateOf, and says whether a step count is kept.
	stateLayout() (names []string, step bool)
	// stateOf returns parameter i's buffers (nil: no state yet) and step
	// count. They are the optimizer's own: SaveState only reads them.
	stateOf(i int) (bufs [][]T, step int)
	// setState gives parameter i the buffers bufs (nil: no state), which it
	// keeps, and the step count.
	setState(i int, bufs [][]T, step int)
	// groupsMeta returns the metadata entries that record the parameter
	// groups; none without ParamGroup options.
	groupsMeta() map[string]string
	// readGroups checks a file's group entries and returns its LRScales
	// (nil: the file records no groups).
	readGroups(meta map[string]string) ([]float64, error)
	// setRates sets the learning rate and, unless scales is nil, the
	// groups' LRScales, or changes nothing and returns an error.
	setRates(op string, lr float64, scales []float64) error
}

// scalarStateful is implemented by an optimizer that keeps numbers per
// parameter besides its buffers and step count (NAdam's mu_product): each
// is saved as an F64 scalar "state.<i>.<name>", listed after the step in
// the file's "buffers".
type scalarStateful interface {
	// stateScalars names the numbers, in the order of scalarsOf.
	stateScalars() []string
	// scalarsOf returns parameter i's numbers; only called when it has
	// state.
	scalarsOf(i int) []float64
	// setScalars sets parameter i's numbers, after setState gave it state.
	setScalars(i int, v []float64)
}

// scalarNames returns the names of s's per-parameter numbers, if any.
func scalarNames[T tensor.Float](s stateful[T]) []string {
	if ss, ok := s.(scalarStateful); ok {
		return ss.stateScalars()
	}
	return nil
}

// ErrState is wrapped by the errors of LoadState for a file that does not
// fit the optimizer: another optimizer's, another model's parameters, or
// buffers missing or of the wrong shape. errors.Is(err, ErrState).
var ErrState = errors.New("optimizer state does not fit")

// SaveState writes o's state to w as a safetensors file: each parameter's
// buffers and step count, the learning rate, the parameters' shapes and,
// with ParamGroup options, the groups (each parameter's, and each group's
// LRScale and weight decay). o must be one of this package's optimizers;
// for another it returns an error.
func SaveState[T tensor.Float](w io.Writer, o Optimizer[T]) error {
	tensors, meta, err := stateTensors("SaveState", o)
	if err != nil {
		return err
	}
	if err := safetensors.Write(w, tensors, meta); err != nil {
		return fmt.Errorf("optim: SaveState: %w", err)
	}
	return nil
}

// SaveStateFile writes o's state to the named file, as SaveState does,
// through a temporary file renamed into place (safetensors.WriteFile), so
// that a crash never leaves a truncated file nor destroys the previous one.
func SaveStateFile[T tensor.Float](path string, o Optimizer[T]) error {
	tensors, meta, err := stateTensors("SaveStateFile", o)
	if err != nil {
		return err
	}
	if err := safetensors.WriteFile(path, tensors, meta); err != nil {
		return fmt.Errorf("optim: SaveStateFile %s: %w", path, err)
	}
	return nil
}

// LoadState reads a file written by SaveState into o, which must be the
// same kind of optimizer, over parameters of the same shapes in the same
// order, with the same options that decide its buffers (AMSGrad, momentum,
// centered). The buffers and step counts (and NAdam's mu_product) replace
// o's, a parameter absent from the file starts afresh, and the learning
// rate becomes the file's, as torch's load_state_dict does; the other
// hyperparameters stay o's. F32 and F64 files load into either precision
// (F64 rounded to the nearest float32; mu_product stays float64).
//
// A file that records parameter groups (see ParamGroup) loads only into an
// optimizer with its parameters in the same groups, as torch's refuses
// groups of other sizes, and each group's rate becomes the file's (its
// LRScale is restored with the rate); the groups' weight decays stay o's,
// like its other hyperparameters. A file that records no groups, one
// written without ParamGroup options or before they existed, loads into
// any grouping, which it leaves as it is: the rate of group 0 becomes the
// file's, and every group keeps its LRScale.
//
// On any error o is left unchanged. A file that does not fit gives an
// error wrapping ErrState, and a damaged one an error wrapping
// safetensors.ErrFormat.
func LoadState[T tensor.Float](r io.Reader, o Optimizer[T]) error {
	f, err := safetensors.Read(r)
	if err != nil {
		return fmt.Errorf("optim: LoadState: %w", err)
	}
	return loadState("LoadState", f, o)
}

// LoadStateFile reads the named file into o, as LoadState does.
func LoadStateFile[T tensor.Float](path string, o Optimizer[T]) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("optim: LoadStateFile: %w", err)
	}
	return loadState("LoadStateFile "+path, f, o)
}

// Wrapper is implemented by an Optimizer made of others that hold the same
// state, such as a layers/parallel Trainer's (one optimizer per replica, or
// one over weights the replicas share): SaveState saves the first one's
// state, and LoadState loads the file into every one.
type Wrapper[T tensor.Float] interface {
	Optimizer[T]
	// Unwrap returns the optimizers, at least one.
	Unwrap() []Optimizer[T]
}

// statefulOf returns o as stateful optimizers (o itself, or those it
// wraps), or an error naming op.
func statefulOf[T tensor.Float](op string, o Optimizer[T]) ([]stateful[T], error) {
	os := []Optimizer[T]{o}
	if w, ok := o.(Wrapper[T]); ok {
		if os = w.Unwrap(); len(os) == 0 {
			return nil, fmt.Errorf("optim: %s: %T wraps no optimizer", op, o)
		}
	}
	ss := make([]stateful[T], len(os))
	for i, o := range os {
		s, ok := o.(stateful[T])
		if !ok {
			return nil, fmt.Errorf("optim: %s: %T is not an optimizer of this package", op, o)
		}
		if isNil(o) {
			return nil, fmt.Errorf("optim: %s: nil %T", op, o)
		}
		ss[i] = s
	}
	return ss, nil
}

// layoutOf returns the buffer names of s's parameters, with "step" when it
// keeps step counts, as the file's metadata lists them.
func layoutOf[T tensor.Float](s stateful[T]) []string {
	names, step := s.stateLayout()
	names = slices.Clone(names)
	if step {
		names = append(names, "step")
	}
	return append(names, scalarNames(s)...)
}

// stateTensors returns o's state as the file's tensors and metadata.
func stateTensors[T tensor.Float](op string, o Optimizer[T]) ([]safetensors.Named, map[string]string, error) {
	ss, err := statefulOf(op, o)
	if err != nil {
		return nil, nil, err
	}
	s := ss[0]
	names, hasStep := s.stateLayout()
	var tensors []safetensors.Named
	for i, p := range s.Params() {
		bufs, step := s.stateOf(i)
		if bufs == nil {
			continue
		}
		prefix := "state." + strconv.Itoa(i) + "."
		for k, b := range bufs {
			t := tensor.MustNew(slices.Clone(b), p.Value().Shape()...)
			tensors = append(tensors, safetensors.Of(prefix+names[k], t))
		}
		if hasStep {
			tensors = append(tensors, safetensors.Of(prefix+"step", tensor.MustNew([]float64{float64(step)})))
		}
		if ss, ok := s.(scalarStateful); ok {
			for k, v := range ss.scalarsOf(i) {
				tensors = append(tensors, safetensors.Of(prefix+ss.stateScalars()[k], tensor.MustNew([]float64{v})))
			}
		}
	}
	meta := map[string]string{
		"optimizer": s.stateKind(),
		"lr":        strconv.FormatFloat(s.LR(), 'g', -1, 64),
		"params":    strconv.Itoa(len(s.Params())),
		"buffers":   strings.Join(layoutOf(s), ","),
		"shapes":    shapesMeta(s.Params()),
	}
	maps.Copy(meta, s.groupsMeta())
	return tensors, meta, nil
}

// shapesMeta lists the shapes of params for the file's metadata, so that
// a file is refused by another model's optimizer even when no parameter
// has state yet: "2x3;4;" for [2 3], [4] and a 0-d parameter.
func shapesMeta[T tensor.Float](params []*autograd.Var[T]) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte(';')
		}
		for k := range p.Value().Dims() {
			if k > 0 {
				b.WriteByte('x')
			}
			b.WriteString(strconv.Itoa(p.Value().Dim(k)))
		}
	}
	return b.String()
}

// loadState checks f against o and, if it fits, sets o's state from it.
func loadState[T tensor.Float](op string, f *safetensors.File, o Optimizer[T]) error {
	ss, err := statefulOf(op, o)
	if err != nil {
		return err
	}
	states := make([][]loadedState[T], len(ss))
	var lr float64
	var scales []float64
	for i, s := range ss {
		if states[i], lr, scales, err = readState(op, f, s); err != nil {
			return err
		}
	}
	for _, s := range ss {
		// The same rates for every one, whose groups all agree with the
		// file's: the first's error changes nothing.
		if err := s.setRates(op, lr, scales); err != nil {
			return fmt.Errorf("optim: %s: %w: %v", op, ErrState, err)
		}
	}
	for i, s := range ss {
		for k, st := range states[i] {
			s.setState(k, st.bufs, st.step)
			if ss, ok := s.(scalarStateful); ok && st.bufs != nil {
				ss.setScalars(k, st.scalars)
			}
		}
	}
	return nil
}

// loadedState is one parameter's state as read from a file.
type loadedState[T tensor.Float] struct {
	bufs    [][]T // nil: none
	step    int
	scalars []float64 // see scalarStateful
}

// readState checks f against s and returns the state it holds for each of
// s's parameters, in buffers of their own, the learning rate, and the
// groups' LRScales (nil when the file records no groups).
func readState[T tensor.Float](op string, f *safetensors.File, s stateful[T]) ([]loadedState[T], float64, []float64, error) {
	misfit := func(format string, args ...any) error {
		return fmt.Errorf("optim: %s: %w: %s", op, ErrState, fmt.Sprintf(format, args...))
	}
	meta := f.Metadata()
	if kind, ok := meta["optimizer"]; !ok {
		return nil, 0, nil, misfit(`the file holds no optimizer's state (its metadata has no "optimizer": a model file?)`)
	} else if kind != s.stateKind() {
		return nil, 0, nil, misfit("the file is the state of %q, not %s", kind, s.stateKind())
	}
	params := s.Params()
	n, ok := meta["params"]
	if !ok {
		return nil, 0, nil, misfit(`its metadata has no "params"`)
	}
	if n != strconv.Itoa(len(params)) {
		return nil, 0, nil, misfit("the file is for %s parameters, the optimizer has %d", n, len(params))
	}
	// The options that decide the buffers (momentum, AMSGrad, centered)
	// must agree even when no parameter has state yet.
	if b, want := meta["buffers"], strings.Join(layoutOf(s), ","); b != want {
		return nil, 0, nil, misfit("the file's buffers are %q, the optimizer's %q (momentum, AMSGrad and centered must match)", b, want)
	}
	// Files older than the "shapes" entry are checked only where a
	// parameter has state, below.
	if sh, ok := meta["shapes"]; ok && sh != shapesMeta(params) {
		return nil, 0, nil, misfit("the file is for parameters of shapes %q, the optimizer's are %q", sh, shapesMeta(params))
	}
	lr, err := strconv.ParseFloat(meta["lr"], 64)
	if err != nil {
		return nil, 0, nil, misfit("learning rate %q: %v", meta["lr"], err)
	}
	scales, err := s.readGroups(meta)
	if err != nil {
		return nil, 0, nil, misfit("%v", err)
	}
	bufNames, hasStep := s.stateLayout()
	names := layoutOf(s)
	known := make(map[string]bool)
	state := make([]loadedState[T], len(params))
	for i, p := range params {
		prefix := "state." + strconv.Itoa(i) + "."
		present := 0
		for _, n := range names {
			if _, ok := f.Info(prefix + n); ok {
				present++
			}
			known[prefix+n] = true
		}
		if present == 0 {
			continue
		}
		if present < len(names) {
			return nil, 0, nil, misfit("parameter %d has %d of its %d entries %v", i, present, len(names), names)
		}
		bufs := make([][]T, len(bufNames))
		for k, n := range bufNames {
			d, err := readAs[T](f, prefix+n, p.Value().Shape())
			if err != nil {
				return nil, 0, nil, misfit("%v", err)
			}
			bufs[k] = d
		}
		state[i].bufs = bufs
		if hasStep {
			d, err := readAs[float64](f, prefix+"step", nil)
			if err != nil {
				return nil, 0, nil, misfit("%v", err)
			}
			if step := d[0]; step < 1 || step != math.Trunc(step) || step > 1<<53 {
				return nil, 0, nil, misfit("%sstep is %v, want a whole number ≥ 1", prefix, step)
			}
			state[i].step = int(d[0])
		}
		for _, n := range scalarNames(s) {
			d, err := readAs[float64](f, prefix+n, nil)
			if err != nil {
				return nil, 0, nil, misfit("%v", err)
			}
			if math.IsNaN(d[0]) || math.IsInf(d[0], 0) {
				return nil, 0, nil, misfit("%s%s is %v, want a finite number", prefix, n, d[0])
			}
			state[i].scalars = append(state[i].scalars, d[0])
		}
	}
	for _, n := range f.Names() {
		if !known[n] {
			return nil, 0, nil, misfit("unexpected tensor %q", n)
		}
	}
	return state, lr, scales, nil
}

// readAs returns the named tensor's values in T, checking its shape: F32
// and F64 convert to either type.
func readAs[T tensor.Float](f *safetensors.File, name string, shape []int) ([]T, error) {
	info, _ := f.Info(name)
	if !slices.Equal(info.Shape, shape) {
		return nil, fmt.Errorf("%s has shape %v, want %v", name, info.Shape, shape)
	}
	switch info.DType {
	case safetensors.F32:
		t, err := f.Float32(name)
		if err != nil {
			return nil, err
		}
		return convert[T](t.Data()), nil
	case safetensors.F64:
		t, err := f.Float64(name)
		if err != nil {
			return nil, err
		}
		return convert[T](t.Data()), nil
	}
	return nil, fmt.Errorf("%s has dtype %s, want F32 or F64", name, info.DType)
}

// convert returns d's values in T, rounded to the nearest when narrowing.
func convert[T, S tensor.Float](d []S) []T {
	out := make([]T, len(d))
	for i, v := range d {
		out[i] = T(v)
	}
	return out
}

func (o *SGD[T]) stateLayout() ([]string, bool) {
	if o.velocity == nil {
		return nil, false // no momentum, no state
	}
	return []string{"momentum_buffer"}, false
}

func (o *SGD[T]) stateOf(i int) ([][]T, int) {
	if o.velocity == nil || o.velocity[i] == nil {
		return nil, 0
	}
	return [][]T{o.velocity[i]}, 0
}

func (o *SGD[T]) setState(i int, bufs [][]T, _ int) {
	if o.velocity == nil {
		return
	}
	o.velocity[i] = nil
	if bufs != nil {
		o.velocity[i] = bufs[0]
	}
}

func (o *adamCore[T]) stateLayout() ([]string, bool) {
	if o.amsgrad {
		return []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, true
	}
	return []string{"exp_avg", "exp_avg_sq"}, true
}

func (o *adamCore[T]) stateOf(i int) ([][]T, int) {
	s := &o.state[i]
	if !s.started {
		return nil, 0
	}
	if o.amsgrad {
		return [][]T{s.m, s.v, s.maxV}, s.step
	}
	return [][]T{s.m, s.v}, s.step
}

func (o *adamCore[T]) setState(i int, bufs [][]T, step int) {
	s := adamState[T]{}
	if bufs != nil {
		s = adamState[T]{step: step, m: bufs[0], v: bufs[1], started: true}
		if o.amsgrad {
			s.maxV = bufs[2]
		}
	}
	o.state[i] = s
}

func (o *RMSProp[T]) stateLayout() ([]string, bool) {
	names := []string{"square_avg"}
	if o.centered {
		names = append(names, "grad_avg")
	}
	if o.hasMomentum {
		names = append(names, "momentum_buffer")
	}
	return names, false
}

func (o *RMSProp[T]) stateOf(i int) ([][]T, int) {
	s := &o.state[i]
	if !s.started {
		return nil, 0
	}
	bufs := [][]T{s.square}
	if o.centered {
		bufs = append(bufs, s.mean)
	}
	if o.hasMomentum {
		bufs = append(bufs, s.buf)
	}
	return bufs, 0
}

func (o *RMSProp[T]) setState(i int, bufs [][]T, _ int) {
	s := rmspropState[T]{}
	if bufs != nil {
		s.square, s.started, bufs = bufs[0], true, bufs[1:]
		if o.centered {
			s.mean, bufs = bufs[0], bufs[1:]
		}
		if o.hasMomentum {
			s.buf = bufs[0]
		}
	}
	o.state[i] = s
}
