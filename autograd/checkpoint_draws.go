package autograd

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
)

// segment is a Checkpoint's record of the random draws its fn makes, so
// that fn run again for the backward pass replays the masks of its first
// run instead of drawing new ones: the recomputed graph is then the first
// one, and the generators end where the plain run leaves them (PyTorch
// restores its global generator's state instead; here each Dropout and
// attention dropout draws from a *rand.Rand of its own, which Checkpoint
// cannot see). The Vars computed in the segment point to it (see
// segmentOf and recordOpOn), from fn's inputs down, so that a Dropout
// finds the segment it is called in through its input.
type segment struct {
	mu     sync.Mutex // guards draws and next, for draws from several goroutines
	parent *segment   // the segment of the Checkpoint's inputs when it was called within another's fn
	depth  int        // parent's depth + 1
	live   bool       // fn is running: its first run, or again for the backward pass
	replay bool       // fn runs again: draws come from draws, in order
	draws  []masks    // the draws of the first run, in order
	next   int        // the next of draws to replay
}

// masks is one draw of n elements: bit i of keep is rng.Float64() >= p for
// element i in row-major order (a Dropout keeps the element, attention
// dropout does not drop it).
type masks struct {
	op   string
	n    int
	p    float64
	keep []uint64
}

// kept reports bit i of the draw.
func (m *masks) kept(i int) bool { return m.keep[i>>6]&(1<<(i&63)) != 0 }

// newSegment returns the segment of a Checkpoint whose inputs are inputs:
// nested in theirs when they were computed in another Checkpoint's fn.
func newSegment[T Float](inputs []*Var[T]) *segment {
	s := &segment{depth: 1}
	if p := segmentOf(inputs...); p != nil {
		s.parent, s.depth = p, p.depth+1
	}
	return s
}

// segmentOf returns the innermost running segment of the inputs (nil: none
// was computed in a Checkpoint's fn, or fn has returned since). An op
// gives its result that segment (recordOpOn).
func segmentOf[T Float](inputs ...*Var[T]) *segment {
	var s *segment
	for _, in := range inputs {
		if t := in.inSegment(); t != nil && (s == nil || t.depth > s.depth) {
			s = t
		}
	}
	for s != nil && !s.live {
		s = s.parent
	}
	return s
}

// enterSegment puts v, the result of an op on inputs of which one at least
// was computed in a Checkpoint's fn, in their innermost running segment.
// recordOpOn calls it.
func enterSegment[T Float](v *Var[T], inputs []*Var[T]) {
	if s := segmentOf(inputs...); s != nil {
		v.more().segment = s
	}
}

// draw returns the mask of n elements that op draws with probability p
// from rng: on fn's first run, drawn from rng (or, in a Checkpoint nested
// in another's fn, taken from the outer segment, which replays it when
// the outer fn runs again) and recorded; when fn runs again, the recorded
// mask, with nothing drawn from rng. It panics with a *UsageError when fn
// run again draws other masks (another op, size or p, or more of them)
// than its first run did.
func (s *segment) draw(op string, n int, p float64, rng *rand.Rand) *masks {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replay {
		if s.next == len(s.draws) {
			panic(usage("Checkpoint", fmt.Sprintf("fn run again draws a mask in %s after the %d of its first run", op, len(s.draws))))
		}
		m := &s.draws[s.next]
		if m.op != op || m.n != n || m.p != p {
			panic(usage("Checkpoint", fmt.Sprintf("fn run again draws mask %d in %s of %d elements with p = %s; its first run drew it in %s of %d with p = %s",
				s.next, op, n, strconv.FormatFloat(p, 'g', -1, 64), m.op, m.n, strconv.FormatFloat(m.p, 'g', -1, 64))))
		}
		s.next++
		return m
	}
	var m masks
	if s.parent != nil && s.parent.live {
		m = *s.parent.draw(op, n, p, rng)
	} else {
		m = masks{op: op, n: n, p: p, keep: make([]uint64, (n+63)/64)}
		for i := range n {
			if rng.Float64() >= p {
				m.keep[i>>6] |= 1 << (i & 63)
			}
		}
	}
	s.draws = append(s.draws, m)
	return &s.draws[len(s.draws)-1]
}

// runSegment runs fn on args, the stand-ins for the segment's inputs,
// which it puts in s: on fn's first run, or, after rerun, again for the
// backward pass, when it panics with a *UsageError if fn drew fewer masks
// than on its first run. Vars of the segment that outlive fn draw afresh,
// outside it.
func runSegment[T Float](s *segment, fn func(inputs ...*Var[T]) *Var[T], args []*Var[T]) *Var[T] {
	for _, a := range args {
		a.more().segment = s
	}
	s.live = true
	defer func() { s.live = false }()
	out := fn(args...)
	if s.replay && s.next != len(s.draws) {
		panic(usage("Checkpoint", fmt.Sprintf("fn run again drew %d of the %d masks of its first run", s.next, len(s.draws))))
	}
	return out
}

// rerun prepares s for fn's run in the backward pass: the draws replay
// from the first.
func (s *segment) rerun() { s.replay, s.next = true, 0 }
