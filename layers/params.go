package layers

import "github.com/adjoint-go/adjoint/autograd"

// ParameterAppender is implemented by modules that can list their
// parameters into the caller's slice, so that collecting a network's
// parameters in a training loop allocates nothing. Every module of this
// package implements it (those without parameters return dst unchanged);
// a module of your own may too.
type ParameterAppender[T Float] interface {
	// AppendParameters appends the module's parameters, in the order of
	// its Parameters, to dst and returns the extended slice.
	AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T]
}

// AppendParameters appends m's parameters, in the order of m.Parameters(),
// to dst and returns the extended slice, like append. It is the
// allocation-free form of Parameters: Parameters returns a new slice on
// every call, while
//
//	var ps []*autograd.Var[float32]
//	for step := range steps {
//		ps = layers.AppendParameters(ps[:0], net)
//		...
//	}
//
// allocates nothing once ps has grown to hold them all, provided m and every
// module inside it implement ParameterAppender or have no parameters (every
// module of this package does). For any other module it falls back to
// append(dst, m.Parameters()...).
func AppendParameters[T Float](dst []*autograd.Var[T], m Module[T]) []*autograd.Var[T] {
	if a, ok := m.(ParameterAppender[T]); ok {
		return a.AppendParameters(dst)
	}
	return append(dst, m.Parameters()...)
}

// appendWeightBias appends a layer's weight and bias to dst, leaving out a
// nil one, in the order of weightBias.
func appendWeightBias[T Float](dst []*autograd.Var[T], weight, bias *autograd.Var[T]) []*autograd.Var[T] {
	if weight != nil {
		dst = append(dst, weight)
	}
	if bias != nil {
		dst = append(dst, bias)
	}
	return dst
}
