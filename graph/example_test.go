package graph_test

import (
	"fmt"
	"os"

	"github.com/adjoint-go/adjoint/graph"
)

// expr is a toy expression node, standing in for an autograd variable.
type expr struct {
	name string
	args []*expr
}

func ExampleTopoSort() {
	x := &expr{name: "x"}
	w := &expr{name: "w"}
	mul := &expr{name: "x*w", args: []*expr{x, w}}
	sq := &expr{name: "x*x", args: []*expr{x, x}}
	sum := &expr{name: "sum", args: []*expr{mul, sq}}

	order := graph.TopoSort([]*expr{sum}, func(e *expr) []*expr { return e.args })
	for _, e := range order {
		fmt.Println(e.name)
	}
	// Output:
	// x
	// w
	// x*w
	// x*x
	// sum
}

func ExampleWriteDOT() {
	x := &expr{name: "x"}
	sq := &expr{name: "x*x", args: []*expr{x, x}}
	out := &expr{name: "\"out\"", args: []*expr{sq}}

	err := graph.WriteDOT(os.Stdout, "example", []*expr{out},
		func(e *expr) []*expr { return e.args },
		func(e *expr) graph.Node {
			if len(e.args) == 0 {
				return graph.Node{Label: e.name, Attrs: map[string]string{"shape": "box", "style": "filled"}}
			}
			return graph.Node{Label: e.name}
		})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// digraph "example" {
	// 	n0 [label="x", shape="box", style="filled"];
	// 	n1 [label="x*x"];
	// 	n2 [label="\"out\""];
	// 	n0 -> n1;
	// 	n0 -> n1;
	// 	n1 -> n2;
	// }
}
