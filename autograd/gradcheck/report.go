package gradcheck

import "fmt"

// This file holds a check's Report: what it compared, its verdict and its
// worst element, in words.

// Reference is what a check compares the analytic Jacobian with.
type Reference int

const (
	// FiniteDifferences is the central difference (f(x+eps) - f(x-eps)) / 2eps
	// (Check, GradGradCheck). Reports call its values "numeric".
	FiniteDifferences Reference = iota
	// SuppliedJacobian is the Jacobian given to CheckJacobian. Reports call
	// its values "expected".
	SuppliedJacobian
)

// String names the reference as reports do: "numeric" or "expected".
func (r Reference) String() string {
	if r == SuppliedJacobian {
		return "expected"
	}
	return "numeric"
}

// Element locates one Jacobian element and compares its two values.
type Element struct {
	// Input is which input (index into the inputs slice). In GradGradCheck,
	// Input len(inputs) is the random grad-output vector v.
	Input    int
	Index    []int   // the element of that input, one coordinate per axis
	Output   []int   // the element of the output, one coordinate per axis ([] for a scalar)
	Analytic float64 // from the backward pass
	Numeric  float64 // the reference value: central finite differences, or the supplied Jacobian
	AbsErr   float64 // |Analytic - Numeric|: 0 for equal values (the same infinity too), +Inf when a NaN or an infinity disagrees
	RelErr   float64 // AbsErr / |Numeric| (+Inf when Numeric is 0 and AbsErr is not, or AbsErr is +Inf)
	// Grad is used by GradGradCheck only, whose outputs are the gradients
	// of f: Output is an element of the gradient with respect to input Grad.
	// It is 0 otherwise.
	Grad int
}

// Report summarises a check over every element of the Jacobian.
//
// An element passes as in torch.allclose (NaN never equal to NaN): finite
// values when |analytic − reference| ≤ Atol + Rtol·|reference|, an infinite
// reference only against the same infinity (a supplied Jacobian may hold
// one), and a NaN never. A finite difference that overflowed to ±Inf
// vouches for no analytic value, so the element fails whatever the analytic
// value is (counted in Overflowed too): check such a point with
// CheckJacobian against a closed form, or with a smaller Eps.
type Report struct {
	Total     int     // Jacobian elements compared
	Failed    int     // elements that did not pass
	MaxAbsErr float64 // largest absolute error over all elements
	MaxRelErr float64 // largest relative error over all elements
	// Overflowed counts the failed elements whose finite difference
	// overflowed to ±Inf (0 against a supplied Jacobian).
	Overflowed int
	// Worst is the element furthest outside the tolerance: a failed element
	// whenever one failed, one whose values disagree rather than one whose
	// finite difference overflowed when there is such an element, and among
	// those the largest AbsErr / (atol + rtol·|Numeric|) (a NaN or an
	// infinity that disagrees is the largest); when all pass, the closest to
	// failing. It is nil when the Jacobian is empty.
	Worst *Element
	Atol  float64 // tolerances and step the check used (Eps is 0 in CheckJacobian)
	Rtol  float64
	Eps   float64
	// Order is 2 for GradGradCheck (the Jacobian of the gradients) and 1
	// otherwise; 0 reads as 1.
	Order int
	// Forward is set by CheckJVP: the analytic values came from forward
	// mode (autograd.JVP), not from a backward pass. The report then reads
	// "forward mode: ...".
	Forward bool
	// Reference is what the analytic values were compared with.
	Reference Reference
	// Names labels the inputs as given with Names (GradGradCheck appends
	// "grad output" for v); a missing or empty name reads "input i".
	Names []string
}

// label names input i as the report prints it.
func (r Report) label(i int) string {
	if i < len(r.Names) && r.Names[i] != "" {
		return r.Names[i]
	}
	return fmt.Sprintf("input %d", i)
}

// where describes the Jacobian element d output[out] / d input[in][idx]:
// "input 1 element [0 2], output [3]", or for second order "input 1 element
// [0 2], gradient of input 0 element [3]".
func (r Report) where(in int, idx []int, grad int, out []int) string {
	return fmt.Sprintf("%s element %v, %s", r.label(in), idx, r.output(grad, out))
}

// output describes an output element: "output [3]", or for second order
// "gradient of input 0 element [3]".
func (r Report) output(grad int, out []int) string {
	if r.Order == 2 {
		return fmt.Sprintf("gradient of %s element %v", r.label(grad), out)
	}
	return fmt.Sprintf("output %v", out)
}

// String describes the report in one line.
func (r Report) String() string {
	s := r.verdict()
	if r.Overflowed > 0 {
		s += "; " + r.overflow()
	}
	s += "; " + r.maxErrs()
	if r.Worst != nil {
		s += "; worst: " + r.worst(": ")
	}
	return s
}

// Text describes the report on several lines, for humans: the verdict, the
// finite differences that overflowed if any, the worst element and its
// values, the largest errors.
func (r Report) Text() string {
	s := r.verdict()
	if r.Overflowed > 0 {
		s += "\n\t" + r.overflow()
	}
	if r.Worst != nil {
		s += "\n\tworst: " + r.worst("\n\t\t")
	}
	return s + "\n\t" + r.maxErrs()
}

func (r Report) verdict() string {
	var s string
	switch {
	case r.Order == 2:
		s = "second order: "
	case r.Forward:
		s = "forward mode: "
	}
	s += fmt.Sprintf("%d of %d Jacobian elements outside atol %g + rtol %g·|%v|", r.Failed, r.Total, r.Atol, r.Rtol, r.Reference)
	if r.Reference == SuppliedJacobian {
		return s + " (against the supplied Jacobian)"
	}
	return s + fmt.Sprintf(" (eps %g)", r.Eps)
}

// overflow explains the elements whose finite difference overflowed.
func (r Report) overflow() string {
	return fmt.Sprintf("%d of them failed because the finite difference overflowed to ±Inf, which vouches for no analytic value: "+
		"check there with CheckJacobian against a closed form, or with a smaller Eps", r.Overflowed)
}

func (r Report) maxErrs() string {
	return fmt.Sprintf("max abs err %.3g, max rel err %.3g", r.MaxAbsErr, r.MaxRelErr)
}

func (r Report) worst(sep string) string {
	w := r.Worst
	return fmt.Sprintf("%s%sanalytic %.10g, %v %.10g (abs err %.3g, rel err %.3g)",
		r.where(w.Input, w.Index, w.Grad, w.Output), sep, w.Analytic, r.Reference, w.Numeric, w.AbsErr, w.RelErr)
}
