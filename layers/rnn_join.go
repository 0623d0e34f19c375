package layers

import "github.com/adjoint-go/adjoint/autograd"

// Cutting a sequence into time steps and joining the steps back, with
// autograd's Split, Stack and Concat in groups small enough that a step
// under an Arena allocates nothing.

// stepSplitter hands out the time steps [N, G·H] of a projection
// [L·N, G·H] one at a time, first to last or last to first. It cuts the
// projection with one Split into its steps when there are at most
// splitFan of them (else into splitFan pieces of consecutive steps, and
// each piece again until a piece is one step): Split's gradient adds each
// piece's into its region only, where slicing out each step alone would
// clear and add the whole projection's gradient once per step. It
// allocates nothing under an Arena, and lives on its user's stack.
type stepSplitter[T Float] struct {
	n       int // rows per step
	reverse bool
	depth   int
	// Six levels of splitFan pieces cover 64⁶ steps, more than a
	// projection held in memory can have.
	stack [6]struct {
		pieces       []*autograd.Var[T]
		done         int
		steps, chunk int // the steps cut, and the steps in each piece but the last
	}
}

// push cuts v, of the given number of steps, into at most splitFan pieces
// of (nearly) equal numbers of steps, to be handed out next. The steps are
// counted, not derived from v's rows: an empty batch has 0 rows per step.
func (s *stepSplitter[T]) push(v *autograd.Var[T], steps int) {
	chunk := (steps + splitFan - 1) / splitFan
	var sizes [splitFan]int
	k := 0
	for at := 0; at < steps; at += chunk {
		sizes[k] = min(chunk, steps-at) * s.n
		k++
	}
	f := &s.stack[s.depth]
	f.pieces, f.done, f.steps, f.chunk = autograd.Split(v, 0, sizes[:k]...), 0, steps, chunk
	s.depth++
}

// next returns the next time step.
func (s *stepSplitter[T]) next() *autograd.Var[T] {
	for {
		f := &s.stack[s.depth-1]
		if f.done == len(f.pieces) {
			s.depth--
			continue
		}
		i := f.done
		if s.reverse {
			i = len(f.pieces) - 1 - i
		}
		f.done++
		p, steps := f.pieces[i], min(f.chunk, f.steps-i*f.chunk)
		if steps == 1 {
			return p
		}
		s.push(p, steps)
	}
}

// joinFan is how many Vars one Stack or Concat of a joiner takes, and
// splitFan how many pieces one Split of a stepSplitter makes: as many as
// autograd handles without allocating.
const (
	joinFan  = 8
	splitFan = 64
)

// joiner stacks the Vars pushed to it, [N, H] each, into one [count, N, H]
// along a new first axis, in groups of joinFan (Stack), groups of groups
// (Concat) and so on, so that joining a sequence allocates nothing under an
// Arena. With reverse set the Vars arrive last first and are joined in the
// opposite order. A joiner lives on its user's stack.
type joiner[T Float] struct {
	reverse bool
	lv      [5][joinFan]*autograd.Var[T]
	n       [5]int
	top     []*autograd.Var[T] // the level above the arrays, for very long sequences
}

// push adds v at level (0 for an [N, H] Var, higher for joined groups).
func (j *joiner[T]) push(level int, v *autograd.Var[T]) {
	if level == len(j.lv) {
		j.top = append(j.top, v)
		return
	}
	j.lv[level][j.n[level]] = v
	j.n[level]++
	if j.n[level] == joinFan {
		j.push(level+1, j.join(level))
	}
}

// join joins the Vars waiting at level into one and empties the level.
func (j *joiner[T]) join(level int) *autograd.Var[T] {
	vs := j.lv[level][:j.n[level]]
	j.n[level] = 0
	return joinVars(level == 0, j.reverse, vs)
}

// result joins everything pushed so far into one Var and empties j. At
// least one Var must have been pushed.
func (j *joiner[T]) result() *autograd.Var[T] {
	last := len(j.lv) - 1
	for level := range last {
		if j.n[level] > 0 {
			j.push(level+1, j.join(level))
		}
	}
	if len(j.top) == 0 {
		return j.join(last)
	}
	if j.n[last] > 0 {
		j.top = append(j.top, j.join(last))
	}
	vs := j.top
	j.top = nil
	return joinVars(false, j.reverse, vs)
}

// joinVars stacks vs (stack) or concatenates them along axis 0, in reverse
// order when reverse is set; a single Var to concatenate is returned as it
// is.
func joinVars[T Float](stack, reverse bool, vs []*autograd.Var[T]) *autograd.Var[T] {
	if reverse {
		for i, k := 0, len(vs)-1; i < k; i, k = i+1, k-1 {
			vs[i], vs[k] = vs[k], vs[i]
		}
	}
	switch {
	case stack:
		return autograd.Stack(0, vs...)
	case len(vs) == 1:
		return vs[0]
	}
	return autograd.Concat(0, vs...)
}
