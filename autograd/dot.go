package autograd

import (
	"fmt"
	"io"

	"github.com/adjoint-go/adjoint/graph"
)

// WriteDOT draws the graph that produced outputs in Graphviz DOT, for
// example to look at one training step (render with `dot -Tsvg`). Each node
// shows its operation (or name), shape and element type; parameters are
// drawn as shaded boxes, constants as plain boxes, and outputs with a double
// border. Edges follow the data, from an input to the operation that uses it.
// Draw before Backward (or backward with RetainGraph): a released graph is an
// error wrapping ErrGraphReleased. A nil writer or a nil output is a
// programmer error: it panics with a *UsageError, as in Grad.
func WriteDOT[T Float](w io.Writer, outputs ...*Var[T]) error {
	if w == nil {
		panic(usage("WriteDOT", "nil writer"))
	}
	isOut := make(map[*Var[T]]bool, len(outputs))
	for i, o := range outputs {
		if o == nil {
			panic(usage("WriteDOT", fmt.Sprintf("output %d is nil", i)))
		}
		isOut[o] = true
	}
	var released *node[T]
	inputs := func(v *Var[T]) []*Var[T] {
		if v.node == nil {
			return nil
		}
		if v.node.released && released == nil {
			released = v.node
		}
		return v.node.inputs
	}
	// Look before drawing: after a Backward without RetainGraph the graph is
	// gone, and a picture of what is left would mislead.
	graph.TopoSort(outputs, inputs)
	if released != nil {
		return fmt.Errorf("autograd: WriteDOT: %s: %w", released.op, ErrGraphReleased)
	}
	describe := func(v *Var[T]) graph.Node {
		label := v.Op()
		attrs := map[string]string{"shape": "ellipse"}
		switch {
		case v.node != nil:
			if v.Name() != "" {
				label = v.Name() + " = " + label
			}
		case v.requiresGrad:
			label = v.Name()
			if label == "" {
				label = "param"
			}
			attrs["shape"], attrs["style"], attrs["fillcolor"] = "box", "filled", "lightblue"
		default:
			label = v.Name()
			if label == "" {
				label = "const"
			}
			attrs["shape"] = "box"
		}
		if isOut[v] {
			attrs["peripheries"] = "2"
		}
		var zero T
		return graph.Node{Label: fmt.Sprintf("%s\n%v %T", label, v.value.Shape(), zero), Attrs: attrs}
	}
	if err := graph.WriteDOT(w, "adjoint", outputs, inputs, describe); err != nil {
		return fmt.Errorf("autograd: WriteDOT: %w", err)
	}
	return nil
}
