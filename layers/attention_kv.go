package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// NewMultiheadAttentionKV returns a layer of embedDim features in numHeads
// heads whose keys have kdim features and values vdim: PyTorch's
// nn.MultiheadAttention(embedDim, numHeads, kdim=kdim, vdim=vdim), for
// attending to a memory of another width (an encoder's output, image
// features) without projecting it to E first.
//
// As in PyTorch, when kdim and vdim are both embedDim the layer is
// NewMultiheadAttention's, with the packed in_proj_weight. Otherwise it
// has separate projections (QProjWeight [E, E], KProjWeight [E, kdim],
// VProjWeight [E, vdim], named "q_proj_weight", "k_proj_weight" and
// "v_proj_weight", InProjWeight nil), so that PyTorch's state_dict loads
// one to one; each is initialised XavierUniform with its own fan-in and
// fan-out, as PyTorch's _reset_parameters does, out_proj.weight as
// nn.Linear's, and in_proj_bias [3E] and out_proj.bias are 0.
//
// Such a layer attends with Attend and AttendWeights, query [N, L, E],
// key [N, S, kdim] and value [N, S, vdim]. Self-attention (Forward,
// ForwardCached, a TransformerEncoderLayer's SelfAttn) needs keys and
// values of E features, so it panics with a *tensor.ShapeError, as
// PyTorch's would fail. SetDropout, SetTraining, the generator's state,
// Parameters and Save and Load (by the names above) work as for any layer.
//
// It panics with a *tensor.ShapeError when a size is not positive, and
// with an *ArgError when numHeads does not divide embedDim.
func NewMultiheadAttentionKV[T Float](rng *rand.Rand, embedDim, numHeads, kdim, vdim int) *MultiheadAttention[T] {
	const op = "NewMultiheadAttentionKV"
	checkPositive(op, "[embedDim numHeads kdim vdim]", embedDim, numHeads, kdim, vdim)
	if embedDim%numHeads != 0 {
		argPanic(op, "numHeads", numHeads, fmt.Sprintf("must divide embedDim %d", embedDim))
	}
	if kdim == embedDim && vdim == embedDim {
		return NewMultiheadAttention[T](rng, embedDim, numHeads)
	}
	e := embedDim
	return &MultiheadAttention[T]{
		NumHeads:    numHeads,
		QProjWeight: autograd.Param(XavierUniform[T](rng, e, e, e, e)).SetName("q_proj_weight"),
		KProjWeight: autograd.Param(XavierUniform[T](rng, kdim, e, e, kdim)).SetName("k_proj_weight"),
		VProjWeight: autograd.Param(XavierUniform[T](rng, vdim, e, e, vdim)).SetName("v_proj_weight"),
		InProjBias:  autograd.Param(tensor.Zeros[T](3 * e)).SetName("in_proj_bias"),
		OutProj: &Linear[T]{
			Weight: autograd.Param(UniformFanIn[T](rng, e, e, e, e)).SetName("out_proj.weight"),
			Bias:   autograd.Param(tensor.Zeros[T](e)).SetName("out_proj.bias"),
		},
	}
}
