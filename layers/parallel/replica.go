package parallel

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// layout is where a micro-batch's contribution sits in its slot, a flat
// []T that the reduction adds up element by element:
//
//	[0, P)           the parameters' gradients, weighted, in parameter order
//	[P, P+B)         how much the micro-batch's Forward moved the buffers, weighted
//	[P+B, P+B+np)    1 for each parameter that has a gradient, else 0
//	P+B+np           the micro-batch's loss, weighted
//
// The weight of micro-batch i is its share of the batch's rows, n_i/N, so
// that the sums are the gradient of the batch's mean loss, the row-weighted
// mean of the buffers' moves (added to the buffers at the step's start,
// this is the row-weighted mean of the buffers), and the batch's mean
// loss. The buffers go in as moves, not values, because the weights do not
// sum to exactly 1 in floating point: a buffer that no micro-batch moves
// (BatchNorm in evaluation mode) sums to exactly 0 and keeps its bits. The
// loss is multiplied by the weight before Backward (autograd.Scale), which
// weights the gradients.
type layout struct {
	names     []string // parameter names, then buffer names, for errors
	shapes    [][]int  // their shapes, for errors
	nparams   int
	paramOff  []int    // offset of each parameter's gradient; paramOff[np] = P
	bufOff    []int    // offset of each buffer; bufOff[nb] = P+B
	flags     int      // offset of the gradient flags
	loss      int      // offset of the loss
	len       int      // slot length
	signature []uint64 // shapes and names, to compare replicas
}

// newLayout lays out the slot of a model with these parameters and buffers.
func newLayout[T Float](named []layers.NamedParam[T], bufs []layers.NamedBuffer[T]) layout {
	var l layout
	off := 0
	l.nparams = len(named)
	for _, p := range named {
		l.names = append(l.names, p.Name)
		l.shapes = append(l.shapes, p.Param.Value().Shape())
		l.paramOff = append(l.paramOff, off)
		off += p.Param.Value().Len()
		l.signature = append(l.signature, hashString(p.Name), hashShape(p.Param.Value()))
	}
	l.paramOff = append(l.paramOff, off)
	for _, b := range bufs {
		l.names = append(l.names, b.Name)
		l.shapes = append(l.shapes, b.Buffer.Shape())
		l.bufOff = append(l.bufOff, off)
		off += b.Buffer.Len()
		l.signature = append(l.signature, hashString(b.Name), hashShape(b.Buffer))
	}
	l.bufOff = append(l.bufOff, off)
	l.flags = off
	off += len(named)
	l.loss = off
	l.len = off + 1
	return l
}

// label names parameter or buffer i of the layout (numbered parameters
// first, then buffers) by its kind and index, for errors: "parameter 1".
func (l *layout) label(i int) string {
	if i < l.nparams {
		return fmt.Sprintf("parameter %d", i)
	}
	return fmt.Sprintf("buffer %d", i-l.nparams)
}

// desc describes entry i by its name and shape, for errors:
// `"1.weight" [256 64]`.
func (l *layout) desc(i int) string { return fmt.Sprintf("%q %v", l.names[i], l.shapes[i]) }

// counts describes how many parameters and buffers the layout has.
func (l *layout) counts() string {
	return fmt.Sprintf("%d parameters and %d buffers", l.nparams, len(l.names)-l.nparams)
}

// entryHash is entry i's part of the signature.
func (l *layout) entryHash(i int) uint64 { return mix(l.signature[2*i]) ^ l.signature[2*i+1] }

// paramViews returns views of the parameters' gradients in slot, in the
// parameters' shapes.
func paramViews[T Float](l *layout, slot []T, params []*autograd.Var[T]) []*tensor.Tensor[T] {
	var vs []*tensor.Tensor[T]
	for i, p := range params {
		vs = append(vs, view(slot[l.paramOff[i]:l.paramOff[i+1]], p.Value().Shape()...))
	}
	return vs
}

// hashString is FNV-1a of s.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// hashShape hashes a tensor's shape.
func hashShape[T Float](t *tensor.Tensor[T]) uint64 {
	h := uint64(t.Dims())
	for i := range t.Dims() {
		h = mix(h ^ uint64(t.Dim(i)))
	}
	return h
}

// replica is one worker's copy of the model, with everything a step needs
// but the per-micro-batch state (see mbState).
type replica[T Float] struct {
	model  layers.Module[T]
	params []*autograd.Var[T]
	bufs   []*tensor.Tensor[T]
	opt    optim.Optimizer[T]
	seeded []Reseeder
	modes  []layers.Trainable // the layers with a training mode, in walk's order
	norms  []layers.Trainable // those of them that are BatchNorm layers
	start  []T                // the buffers at the start of the step (restored before each micro-batch)
	// own holds each parameter's gradient buffer of its own (the one it
	// came with, or nil until Backward first reaches it). Between micro-batches a
	// parameter's gradient may instead be a view of a slot (see compute);
	// apply gives every parameter its own buffer back.
	own []*tensor.Tensor[T]
	// owned records which entries of own were set at the start of a
	// distributed step, so that a step the ranks drop can give back the
	// buffers its micro-batches gave (see keepOwned, dropNewOwned).
	owned []bool
}

// mbState is what a micro-batch keeps from step to step, whichever replica
// computes it: its Arena (so that it keeps its shapes and reuses them) and
// its inputs copied out of the batch.
type mbState[T Float] struct {
	ar   *autograd.Arena[T]
	x, y *tensor.Tensor[T]
}

// newReplica builds replica number idx from the Config, with an
// optimizer of its own if withOpt.
func newReplica[T Float](cfg *Config[T], idx int, withOpt bool) (*replica[T], layout, error) {
	m, err := cfg.Model()
	if err != nil {
		return nil, layout{}, fmt.Errorf("parallel: Config.Model for replica %d: %w", idx, err)
	}
	if m == nil {
		return nil, layout{}, &ConfigError{Field: "Model", Value: nil, Reason: "returned a nil model"}
	}
	r := &replica[T]{model: m}
	if err := r.walk(m, ""); err != nil {
		return nil, layout{}, err
	}
	named := m.NamedParameters()
	nbufs := buffersNotParams(layers.BuffersOf(m), named)
	for _, p := range named {
		r.params = append(r.params, p.Param)
		r.own = append(r.own, p.Param.Grad())
	}
	r.owned = make([]bool, len(r.own))
	for _, b := range nbufs {
		r.bufs = append(r.bufs, b.Buffer)
	}
	l := newLayout(named, nbufs)
	r.start = make([]T, l.bufOff[len(r.bufs)]-l.paramOff[len(r.params)])
	if !withOpt {
		return r, l, nil
	}
	if r.opt, err = cfg.Optimizer(r.params); err != nil {
		return nil, layout{}, fmt.Errorf("parallel: Config.Optimizer for replica %d: %w", idx, err)
	}
	if r.opt == nil {
		return nil, layout{}, &ConfigError{Field: "Optimizer", Value: nil, Reason: "returned a nil optimizer"}
	}
	return r, l, nil
}

// walk collects the Reseeder and the layers.Trainable layers of m in a
// fixed order (depth first, a module before its children, children in
// order: the order of layers.SetTraining) and rejects layers.Dropout and
// every other layer with a dropout of its own (MultiheadAttention, the
// recurrent layers: they report it with DropoutP), whose masks come from a
// generator the trainer cannot reseed per micro-batch. It sees m and what
// layers.Container's Children() reach from it, nothing else: a layer held
// in a field of a module that does not list it among its children goes
// unseen (see the package documentation).
func (r *replica[T]) walk(m layers.Module[T], name string) error {
	if d, ok := m.(*layers.Dropout[T]); ok && d.P() > 0 {
		return &ConfigError{Field: "Model", Value: "layers.Dropout at " + quoteName(name),
			Reason: "its masks would depend on the worker count; use parallel.NewDropout"}
	}
	if tm, ok := m.(layers.Trainable); ok {
		r.modes = append(r.modes, tm)
		// A BatchNorm1d's input may be [N C]: one row is then one value
		// per channel. (BatchNorm2d has H·W of them per row.)
		if _, ok := m.(*layers.BatchNorm1d[T]); ok {
			r.norms = append(r.norms, tm)
		}
	}
	if s, ok := m.(Reseeder); ok {
		r.seeded = append(r.seeded, s)
	} else if d, ok := m.(interface{ DropoutP() float64 }); ok && d.DropoutP() > 0 {
		return &ConfigError{Field: "Model", Value: fmt.Sprintf("%T at %s", m, quoteName(name)),
			Reason: "its dropout draws from a generator of its own, so its masks would depend on the worker count; train it with dropout 0"}
	}
	if c, ok := m.(layers.Container[T]); ok {
		for _, ch := range c.Children() {
			child := ch.Name
			if name != "" {
				child = name + "." + ch.Name
			}
			if err := r.walk(ch.Module, child); err != nil {
				return err
			}
		}
	}
	return nil
}

func quoteName(name string) string {
	if name == "" {
		return "the root"
	}
	return fmt.Sprintf("%q", name)
}

// normalizes reports whether one of the replica's BatchNorm1d layers is
// in training mode.
func (r *replica[T]) normalizes() bool {
	for _, m := range r.norms {
		if m.Training() {
			return true
		}
	}
	return false
}

// copyModes puts each of r's layers with a training mode in the mode of
// the layer at the same place in src (replica 0), as layers.SetTraining
// on src's model left it; a layer already in that mode is not touched.
func (r *replica[T]) copyModes(src *replica[T]) {
	for k, m := range src.modes {
		if on := m.Training(); r.modes[k].Training() != on {
			r.modes[k].SetTraining(on)
		}
	}
}

// saveBuffers copies the replica's buffers into dst, in layout order.
func (r *replica[T]) saveBuffers(dst []T) {
	off := 0
	for _, b := range r.bufs {
		off += copy(dst[off:], b.Data())
	}
}

// loadBuffers copies src into the replica's buffers, in layout order.
func (r *replica[T]) loadBuffers(src []T) {
	off := 0
	for _, b := range r.bufs {
		off += copy(b.Data(), src[off:])
	}
}

// compute runs micro-batch mb (rows rows of b, its state ms) through the
// replica, from the step's starting buffers, and writes its weighted
// contribution into slot (see layout; views are slot's gradients), or adds
// it into slot when add is set.
//
// When it writes, a parameter that already has a gradient buffer gets the
// slot's view as its gradient (autograd's SetGrad), marked zero, so that
// Backward writes the gradient straight into the slot: the same numbers
// as writing the parameter's own buffer and copying it, without the copy
// (2 workers: 686-717 against 628-658 steps/s on BenchmarkParallelMLP,
// alternated). A parameter without a buffer yet (never reached) keeps the
// old way, so that the slot's flag still says whether it has a gradient
// at all.
func (r *replica[T]) compute(cfg *Config[T], l *layout, b *Batch[T], ms *mbState[T], rows span, n, mb, step int, slot []T, views []*tensor.Tensor[T], add bool) {
	for i, p := range r.params {
		if add || r.own[i] == nil {
			p.SetGrad(r.own[i])
		} else {
			p.SetGrad(views[i])
		}
		p.ZeroGrad()
	}
	r.loadBuffers(r.start)
	for k, s := range r.seeded {
		s.Reseed(microSeed(cfg.Seed, step, mb, k))
	}
	if ms.ar == nil {
		ms.ar = autograd.NewArena[T]()
	}
	ar := ms.ar
	ar.Reset()
	ms.x = copyRows(ms.x, b.X, rows)
	in := MicroBatch[T]{Index: mb, Lo: rows.lo, Hi: rows.hi}
	if b.Y != nil {
		ms.y = copyRows(ms.y, b.Y, rows)
		in.Y = ar.Const(ms.y)
	}
	if b.Labels != nil {
		in.Labels = b.Labels[rows.lo:rows.hi]
	}
	out := r.model.Forward(ar.Const(ms.x))
	// The loss is weighted before Backward, so that the gradients come out
	// weighted and go into the slot by a plain copy.
	w := T(float64(rows.len()) / float64(n))
	loss := autograd.Scale(cfg.Loss(out, in), w)
	loss.Backward()

	if add {
		r.addInto(l, slot, views, w, loss.Item())
		return
	}
	for i, p := range r.params {
		if r.own[i] != nil {
			// The gradient is the slot's view; Grad clears it if Backward
			// did not reach p.
			p.Grad()
			slot[l.flags+i] = 1
			continue
		}
		dst := slot[l.paramOff[i]:l.paramOff[i+1]]
		g := p.Grad()
		if g == nil {
			clear(dst)
			slot[l.flags+i] = 0
			continue
		}
		r.own[i] = g
		copy(dst, g.Data())
		slot[l.flags+i] = 1
	}
	off := l.bufOff[0]
	for _, buf := range r.bufs {
		for _, v := range buf.Data() {
			slot[off] = w * moved(v, r.start[off-l.bufOff[0]])
			off++
		}
	}
	slot[l.loss] = loss.Item()
}

// addInto is compute's ending for a micro-batch whose contribution is
// added into its left neighbour's slot (the tree's first level, done on
// the spot): slot += what compute would have written into a slot of its
// own, element by element, which is the same addition, so the same bits.
// The explicit conversions keep w·v rounded before the addition (Go may
// otherwise fuse a multiply and an add).
func (r *replica[T]) addInto(l *layout, slot []T, views []*tensor.Tensor[T], w, loss T) {
	for i, p := range r.params {
		g := p.Grad()
		if g == nil {
			continue // adds 0, and 0 to the flag
		}
		r.own[i] = g
		tensor.AddInto(views[i], views[i], g)
		slot[l.flags+i]++
	}
	off := l.bufOff[0]
	for _, buf := range r.bufs {
		for _, v := range buf.Data() {
			slot[off] += T(w * moved(v, r.start[off-l.bufOff[0]]))
			off++
		}
	}
	slot[l.loss] += loss
}

// apply takes the step's sums: tail is the sum of the slots from the
// buffers on (buffers, flags, loss), and sum[i] each parameter's summed
// gradient, which becomes its gradient for the optimizer's step. With
// shared set (the goroutine backend, whose replicas all read one sum) each
// summed gradient is first copied into the parameter's own buffer, so that
// an optimizer that writes into its gradients (one of your own that clips
// them, say) changes its replica's copy only; otherwise (over a Transport,
// where sum is the rank's own) sum[i] itself becomes the gradient
// (autograd's SetGrad, no copy). Either way the parameter has its own
// buffer again afterwards. A parameter that has never had a gradient in
// any micro-batch keeps none, and the optimizer skips it. The buffers
// become the reduced ones.
//
// c, when not nil, is the step's clipping (Config.ClipGradNorm): the
// gradients are scaled before the step, or the step is skipped.
//
// It returns the optimizer's error (optim.ErrorNonFinite's), or the
// clipping's.
func (r *replica[T]) apply(l *layout, tail []T, sum []*tensor.Tensor[T], shared bool, c *clipping[T]) error {
	p0 := l.paramOff[len(r.params)]
	if shared {
		r.keepGrads(l, tail)
	}
	for i, p := range r.params {
		switch {
		case tail[l.flags-p0+i] == 0:
			p.SetGrad(r.own[i])
			p.ZeroGrad()
		case shared:
			copy(r.own[i].Data(), sum[i].Data())
			p.SetGrad(r.own[i])
		default:
			p.SetGrad(sum[i])
		}
	}
	var err error
	switch {
	case c == nil:
		err = r.opt.Step()
	case !c.ok():
		err = c.err(r.params)
	default:
		for i, p := range r.params {
			if tail[l.flags-p0+i] != 0 {
				c.scale(p.Grad().Data())
			}
		}
		err = r.opt.Step()
	}
	r.keepGrads(l, tail)
	r.ownGrads()
	r.takeBuffers(l, tail)
	return err
}

// keepGrads gives a gradient buffer of its own to every parameter that had
// a gradient in some micro-batch of the step (tail's flags) and has none
// yet, as the replica that computed that micro-batch has: from the next step
// on, every replica gives the parameter a gradient (zero if no micro-batch
// reaches it), as one worker does, whoever computes what.
func (r *replica[T]) keepGrads(l *layout, tail []T) {
	p0 := l.paramOff[len(r.params)]
	for i, p := range r.params {
		if r.own[i] == nil && tail[l.flags-p0+i] != 0 {
			r.own[i] = tensor.Zeros[T](p.Value().Shape()...)
		}
	}
}

// buffersNotParams returns bufs without those whose tensor is one of
// params' values: layers.TiedOutput lists its Embedding's weight as a buffer
// so that model files carry it under both names, but it is a parameter,
// trained and reduced as one. Restoring it as a buffer would undo every
// update.
func buffersNotParams[T Float](bufs []layers.NamedBuffer[T], params []layers.NamedParam[T]) []layers.NamedBuffer[T] {
	isParam := make(map[*tensor.Tensor[T]]bool, len(params))
	for _, p := range params {
		isParam[p.Param.Value()] = true
	}
	// A clone: a module's NamedBuffers may return a slice it keeps.
	return slices.DeleteFunc(slices.Clone(bufs), func(b layers.NamedBuffer[T]) bool { return isParam[b.Buffer] })
}

// keepOwned records which parameters have a gradient buffer of their own.
func (r *replica[T]) keepOwned() {
	for i, g := range r.own {
		r.owned[i] = g != nil
	}
}

// dropNewOwned forgets the gradient buffers that parameters received since
// keepOwned: a dropped step must not make a parameter that it alone
// reached count as having a gradient (a zero one, which weight decay and
// momentum would act on) from then on.
func (r *replica[T]) dropNewOwned() {
	for i, had := range r.owned {
		if !had {
			r.own[i] = nil
		}
	}
}

// ownGrads gives every parameter its own gradient buffer back (never a
// slot's between steps), marked zero.
func (r *replica[T]) ownGrads() {
	for i, p := range r.params {
		p.SetGrad(r.own[i])
		p.ZeroGrad()
	}
}

// takeBuffers adds the reduced moves of the buffers in tail (the sum of
// the slots from the parameters' end on) to the step's starting buffers
// and makes the result the replica's buffers. A buffer whose move is 0
// keeps its bits (−0 included).
func (r *replica[T]) takeBuffers(l *layout, tail []T) {
	p0 := l.paramOff[len(r.params)]
	for j, d := range tail[l.bufOff[0]-p0 : l.bufOff[len(r.bufs)]-p0] {
		if d != 0 {
			r.start[j] += d
		}
	}
	r.loadBuffers(r.start)
}

// moved returns v − start, how much a micro-batch moved a buffer's
// element: exactly 0 when it left the element as it was, even an
// infinite one (whose difference would be NaN).
func moved[T Float](v, start T) T {
	if v == start {
		return 0
	}
	return v - start
}

// checksum hashes the bits of every parameter and buffer, four lanes at a
// time so that the multiplies overlap.
func (r *replica[T]) checksum() uint64 {
	var h [4]uint64
	add := func(d []T) {
		k := 0
		for ; k+4 <= len(d); k += 4 {
			for j := range 4 {
				h[j] = (h[j] ^ floatBits(d[k+j])) * 0x100000001b3
			}
		}
		for ; k < len(d); k++ {
			h[0] = (h[0] ^ floatBits(d[k])) * 0x100000001b3
		}
	}
	for _, p := range r.params {
		add(p.Value().Data())
	}
	add(r.start)
	return mix(h[0]) ^ mix(h[1]+1) ^ mix(h[2]+2) ^ mix(h[3]+3)
}

// floatBits returns the IEEE bits of v.
func floatBits[T Float](v T) uint64 {
	if unsafe.Sizeof(v) == 4 {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(float64(v))
}

// copyRows copies rows [lo, hi) of src into dst, reusing dst when it has
// the right shape, and returns it.
func copyRows[T Float](dst, src *tensor.Tensor[T], rows span) *tensor.Tensor[T] {
	if !rowsShaped(dst, src, rows.len()) {
		shape := src.Shape()
		shape[0] = rows.len()
		dst = tensor.Zeros[T](shape...)
	}
	per := src.Len() / src.Dim(0)
	copy(dst.Data(), src.Data()[rows.lo*per:rows.hi*per])
	return dst
}

// rowsShaped reports whether dst has src's shape with n rows.
func rowsShaped[T Float](dst, src *tensor.Tensor[T], n int) bool {
	if dst == nil || dst.Dims() != src.Dims() || dst.Dim(0) != n {
		return false
	}
	for i := 1; i < src.Dims(); i++ {
		if dst.Dim(i) != src.Dim(i) {
			return false
		}
	}
	return true
}
