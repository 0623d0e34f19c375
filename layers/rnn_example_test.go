package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// A two-layer bidirectional LSTM over a batch of two sequences of lengths
// 5 and 3, padded to 5 steps: PyTorch's pack_padded_sequence, with a
// lengths slice. The second row's outputs past its third step are 0, and
// its final states are those at its third step.
func ExampleLSTM() {
	rng := rand.New(rand.NewPCG(1, 2))
	lstm := layers.NewLSTM[float64](rng, 3, 4, layers.RecurrentOptions{NumLayers: 2, Bidirectional: true})
	x := autograd.Const(tensor.RandNormal[float64](rng, 0, 1, 5, 2, 3)) // [L N in]

	out, h, c := lstm.ForwardState(x, nil, nil, []int{5, 3})
	fmt.Println("output", out.Shape(), "h_n", h.Shape(), "c_n", c.Shape())
	fmt.Println("row 1 at step 4:", out.Value().Data()[(4*2+1)*8:(4*2+2)*8])
	fmt.Println(lstm.NamedParameters()[4].Name)
	// Output:
	// output [5 2 8] h_n [4 2 4] c_n [4 2 4]
	// row 1 at step 4: [0 0 0 0 0 0 0 0]
	// weight_ih_l0_reverse
}
