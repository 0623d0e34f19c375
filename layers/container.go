package layers

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
)

// labelParams labels every parameter Var of m with its hierarchical name
// within m, so that error messages and WriteDOT drawings say which layer a
// parameter belongs to. An outer container built later relabels them with
// the longer names.
func labelParams[T Float](m Module[T]) {
	for _, p := range m.NamedParameters() {
		p.Param.SetName(p.Name)
	}
}

// Sequential applies its modules in order, each to the previous one's output.
// Its parameters and buffers are named by position, as in PyTorch:
// "0.weight", "2.bias", "1.running_mean".
type Sequential[T Float] struct {
	Layers []Module[T]
}

// NewSequential returns a Sequential of the given modules and labels each
// parameter Var with its name in it ("0.weight"). Layers shared with
// another container keep the label of the container built last. It panics
// with an *ArgError if a module is nil.
func NewSequential[T Float](layers ...Module[T]) *Sequential[T] {
	for i, l := range layers {
		if isNil(l) {
			argPanic("NewSequential", "layers["+strconv.Itoa(i)+"]", nil, "must not be nil")
		}
	}
	s := &Sequential[T]{Layers: layers}
	labelParams[T](s)
	return s
}

// isNil reports whether m is nil or a nil pointer in an interface (a
// typed nil, which would fail at its first method call).
func isNil[T Float](m Module[T]) bool {
	if m == nil {
		return true
	}
	v := reflect.ValueOf(m)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Forward applies every layer in turn.
//
// A Linear layer followed by a ReLU runs as one operation,
// autograd.LinearReLU: the same numbers and gradients as applying the two
// layers one after the other, with one result tensor instead of two and,
// when a graph is recorded, one node. Under anomaly detection the two run
// one after the other, so that a report names each.
func (s *Sequential[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkInput("Sequential", x)
	for i := 0; i < len(s.Layers); i++ {
		var fused bool
		x, fused = forwardLayer(s.Layers, i, x)
		if fused {
			i++
		}
	}
	return x
}

// forwardLayer applies mods[i] to x and reports whether it applied
// mods[i+1] too: a ReLU after a Linear (see Sequential.Forward).
func forwardLayer[T Float](mods []Module[T], i int, x *autograd.Var[T]) (*autograd.Var[T], bool) {
	l, ok := mods[i].(*Linear[T])
	if !ok || i+1 == len(mods) || !isReLU(mods[i+1]) {
		return mods[i].Forward(x), false
	}
	return l.forwardReLU(x), true
}

// isReLU reports whether m is the parameterless ReLU layer, which computes
// autograd.ReLU and nothing else.
func isReLU[T Float](m Module[T]) bool {
	switch r := m.(type) {
	case ReLU[T]:
		return true
	case *ReLU[T]:
		return r != nil
	}
	return false
}

// Children returns the layers named by their index: "0", "1", ...
func (s *Sequential[T]) Children() []NamedModule[T] {
	out := make([]NamedModule[T], len(s.Layers))
	for i, l := range s.Layers {
		out[i] = NamedModule[T]{Name: strconv.Itoa(i), Module: l}
	}
	return out
}

// Parameters returns the parameters of every layer, in layer order, in a
// new slice. In a loop, AppendParameters into a kept slice allocates
// nothing.
func (s *Sequential[T]) Parameters() []*autograd.Var[T] { return s.AppendParameters(nil) }

// AppendParameters appends the parameters of every layer, in layer order,
// to dst and returns the extended slice (see the package function
// AppendParameters).
func (s *Sequential[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	start := len(dst)
	for _, l := range s.Layers {
		n := len(dst)
		dst = dropRepeats(AppendParameters(dst, l), start, n)
	}
	return dst
}

// NamedParameters returns every layer's parameters, each name prefixed with
// the layer's index.
func (s *Sequential[T]) NamedParameters() []NamedParam[T] { return childParams(s.Children()) }

// NamedBuffers returns every layer's buffers, each name prefixed with the
// layer's index.
func (s *Sequential[T]) NamedBuffers() []NamedBuffer[T] { return childBuffers(s.Children()) }

// Named applies its children in order, like Sequential, but names them
// itself, as PyTorch's Sequential(OrderedDict(...)) does: a child "fc1"
// gives parameters "fc1.weight" and "fc1.bias", and Nameds nest, so
//
//	NewNamed(NamedModule[T]{"encoder", NewNamed(NamedModule[T]{"fc1", fc1}, ...)}, ...)
//
// names fc1's bias "encoder.fc1.bias". It is the container to use for a
// model file whose names must match a PyTorch module's.
type Named[T Float] struct {
	children []NamedModule[T]
}

// NewNamed returns a Named of the given children and labels each parameter
// Var with its name in it ("encoder.fc1.bias"). It panics with an *ArgError
// if a name is empty, contains a '.', or repeats, or a module is nil.
func NewNamed[T Float](children ...NamedModule[T]) *Named[T] {
	seen := make(map[string]bool, len(children))
	for i, c := range children {
		switch {
		case c.Name == "" || strings.Contains(c.Name, "."):
			argPanic("NewNamed", "children["+strconv.Itoa(i)+"].Name", strconv.Quote(c.Name), "must be non-empty and contain no '.'")
		case seen[c.Name]:
			argPanic("NewNamed", "children["+strconv.Itoa(i)+"].Name", strconv.Quote(c.Name), "repeats an earlier name")
		case isNil(c.Module):
			argPanic("NewNamed", "children["+strconv.Itoa(i)+"].Module", nil, "must not be nil")
		}
		seen[c.Name] = true
	}
	n := &Named[T]{children: append([]NamedModule[T](nil), children...)}
	labelParams[T](n)
	return n
}

// Forward applies every child in turn.
func (n *Named[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	for _, c := range n.children {
		x = c.Module.Forward(x)
	}
	return x
}

// Child returns the child called name, or nil if there is none.
func (n *Named[T]) Child(name string) Module[T] {
	for _, c := range n.children {
		if c.Name == name {
			return c.Module
		}
	}
	return nil
}

// Children returns the children with their names, in order.
func (n *Named[T]) Children() []NamedModule[T] {
	return append([]NamedModule[T](nil), n.children...)
}

// Parameters returns the parameters of every child, in order, in a new
// slice. In a loop, AppendParameters into a kept slice allocates nothing.
func (n *Named[T]) Parameters() []*autograd.Var[T] { return n.AppendParameters(nil) }

// AppendParameters appends the parameters of every child, in order, to dst
// and returns the extended slice (see the package function
// AppendParameters).
func (n *Named[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	start := len(dst)
	for _, c := range n.children {
		k := len(dst)
		dst = dropRepeats(AppendParameters(dst, c.Module), start, k)
	}
	return dst
}

// NamedParameters returns every child's parameters, each name prefixed
// with the child's name.
func (n *Named[T]) NamedParameters() []NamedParam[T] { return childParams(n.children) }

// NamedBuffers returns every child's buffers, each name prefixed with the
// child's name.
func (n *Named[T]) NamedBuffers() []NamedBuffer[T] { return childBuffers(n.children) }
