// Package layers builds neural networks out of autograd operations, in the
// manner of PyTorch's torch.nn: modules that record their computation on the
// autograd graph and list their trainable parameters by stable, hierarchical
// names.
//
// A network is a Module; its Forward records the computation, and its
// Parameters are what an optimizer (package layers/optim) updates:
//
//	rng := rand.New(rand.NewPCG(1, 2))
//	net := layers.NewMLP[float64](rng, []int{4, 16, 1}, nil) // Linear, ReLU, Linear
//	loss := layers.MSELoss[float64]{}.Loss(net.Forward(x), y)
//	loss.Backward()
//
// # Layers
//
//   - Affine and lookup: Linear ([..., in] → [..., out]), Embedding (rows
//     of a table by integer id: Lookup, or Forward on float-encoded ids).
//   - Convolution, pooling, resampling and padding, NCHW: Conv2D (groups,
//     depthwise; zeros, reflect, replicate or circular padding), Conv1D
//     (NCL), ConvTranspose2D, MaxPool1D and AvgPool1D (NCL), MaxPool2D,
//     AvgPool2D, AdaptiveAvgPool2D, AdaptiveMaxPool2D, MaxUnpool2D,
//     Upsample, Pad1D, Pad2D, Pad3D; Flatten turns [N, C, H, W] into
//     [N, C·H·W] for the Linear layers that follow, Unflatten undoes it,
//     Permute reorders axes ([N, L, E] to [N, E, L] for a Conv1D after an
//     Embedding), and Identity holds the place of a block left out.
//   - Regularisation and normalisation: Dropout, LayerNorm, BatchNorm1d,
//     BatchNorm2d, GroupNorm, RMSNorm.
//   - Attention and transformers: MultiheadAttention (nn.MultiheadAttention
//     with batch_first: in_proj_weight, in_proj_bias, out_proj.weight,
//     out_proj.bias; a key padding mask, true = ignore, a causal flag, and
//     dropout on the attention weights in training mode), with a KVCache
//     for generation (ForwardCached); TransformerEncoderLayer
//     (nn.TransformerEncoderLayer: pre-LN or post-LN, ReLU or GELU,
//     dropout, PyTorch's names) and TransformerEncoder (a stack, names
//     layers.<i>., optional final norm); NewDecoderBlock, the GPT block,
//     which is the encoder layer with a causal mask, fed one token at a
//     time with ForwardCached; PositionEmbedding (learned, "weight") and
//     SinusoidalPositionEncoding, both from a start offset; TiedOutput,
//     the output projection sharing the Embedding's weight.
//   - Recurrent: RNN (tanh or ReLU), LSTM, GRU (nn.RNN/LSTM/GRU: several
//     layers, bidirectional, batch-first, initial states in and final
//     states out with ForwardState, variable-length batches with a lengths
//     slice, PyTorch's packed sequences; "weight_ih_l0", "bias_hh_l1_reverse"),
//     and the cells RNNCell, LSTMCell, GRUCell ("weight_ih", "bias_hh"; Step).
//   - Activations: Sigmoid, Tanh, ReLU, LeakyReLU, ELU, GELU, SiLU,
//     Softplus, Softmax, LogSoftmax, Hardtanh, Hardswish, Hardsigmoid, Mish,
//     SELU, CELU, Softsign, LogSigmoid, Softshrink, Hardshrink, Tanhshrink,
//     GLU, and PReLU (a learned slope per channel).
//   - Containers: Sequential (children named by position, "0.weight") and
//     Named (children named by you, "encoder.fc1.bias"); NewMLP builds a
//     Sequential multilayer perceptron. Sequential runs a ReLU right after
//     a Linear as one operation, autograd.LinearReLU (the same numbers and
//     gradients, one tensor and one node fewer).
//   - Losses, PyTorch's modules: MSELoss, CrossEntropyLoss, NLLLoss,
//     BCEWithLogitsLoss, KLDivLoss, SmoothL1Loss, MarginRankingLoss,
//     CosineEmbeddingLoss, TripletMarginLoss, PoissonNLLLoss,
//     GaussianNLLLoss, SoftMarginLoss, HingeEmbeddingLoss,
//     MultiLabelSoftMarginLoss, MultiMarginLoss; CosineSimilarity (two
//     inputs).
//     The other losses are autograd functions.
//
// Weights and biases use PyTorch's layouts and names (Linear weight
// [out, in], Conv2D weight [out, in, kh, kw], "weight", "bias",
// "running_mean"), so that NamedParameters and NamedBuffers map one to one
// onto a PyTorch state_dict. NewSequential and NewNamed also label every
// parameter Var with its full name (SetName), so a shape error and a
// WriteDOT drawing say which layer they mean: "layers: Linear (2.weight):
// input must be [... 16]: [8 32] x [1 16]".
//
// Save and Load (SaveFile, LoadFile) write and read those named tensors as
// a safetensors file, the format of PyTorch and Hugging Face.
//
// # Initialisation
//
// Every constructor that draws weights takes an explicit *rand.Rand, and an
// Initializer (XavierUniform, XavierNormal, HeUniform, HeNormal,
// UniformFanIn, Normal, Uniform, TruncNormal, Orthogonal, Zeros, Ones,
// Constant; CalculateGain gives torch's gains): a seed reproduces a
// network bit for bit. A nil Initializer means PyTorch's default for that
// layer: Linear, Conv1D, Conv2D and ConvTranspose2D draw weight and bias
// from U(-1/√fanIn, 1/√fanIn) (UniformFanIn), Embedding draws N(0, 1).
// fanIn is PyTorch's, the weight's axis 1 times the kernel's size: in for
// Linear, (in/groups)·k for Conv1D, (in/groups)·kh·kw for Conv2D, and
// (out/groups)·kh·kw for ConvTranspose2D, whose weight is
// [in, out/groups, kh, kw]. An explicit initializer draws the weight with
// that fanIn (each constructor says which fanOut) and leaves the bias
// zero. NewMLP picks HeUniform or XavierUniform per layer, as documented
// there.
//
// Parameters returns a new slice; in a training loop,
// AppendParameters(ps[:0], net) appends into a kept slice and allocates
// nothing (every module here implements ParameterAppender). Likewise,
// every module's Forward takes what it makes (results, Dropout's masks)
// from the autograd.Arena of its input, so that a warm evaluation under an
// inference Arena, and a warm training step (Forward, Backward) under an
// Arena, allocate nothing.
//
// # Training and evaluation
//
// Dropout, BatchNorm1d and BatchNorm2d (and RNN, LSTM and GRU with dropout
// between layers) behave differently while training and while evaluating.
// Each such layer keeps its own mode (it implements Trainable);
// SetTraining(net, false) walks a network through its Containers and
// switches every one of them. There is no global switch, so two models (or
// two goroutines holding different models) never interfere. A new layer is
// in training mode, as in PyTorch.
//
// # Data parallelism
//
// Package layers/parallel trains one model on many cores (parallel.New:
// a replica per goroutine) or many processes (parallel.NewDistributed
// over a Transport; layers/parallel/mpi provides one on Open MPI, behind
// the build tag mpi). Each batch is split into a fixed number of
// micro-batches whose gradients are summed in one fixed tree order, so the
// weights are the same bits for any number of workers or processes.
//
// # Errors
//
// A shape that a layer cannot take panics with a *tensor.ShapeError (Pkg
// "layers") naming the layer and both shapes; a bad hyperparameter or id
// panics with an *ArgError. Both are programmer errors, as in gonum.
//
// # Concurrency
//
// Modules hold no hidden global state. In evaluation mode Forward only reads
// a model, so one model may be evaluated from many goroutines at once (and
// SetTraining may be called meanwhile: the mode is atomic). Training Forward
// calls are race-free too (the generators of Dropout and of the attention
// and recurrent layers' dropout, and BatchNorm1d's and BatchNorm2d's running
// statistics, are locked), but training is not meant to be concurrent: the
// order of the draws and updates would then depend on scheduling, and
// Backward and optimizer steps must not run concurrently on the same
// parameters. A KVCache belongs to one goroutine at a time.
package layers

import (
	"slices"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Float is the element type constraint: float32 or float64.
type Float = tensor.Float

// Module is a piece of a network: it maps an input to an output by recording
// autograd operations, and lists the parameters it trains.
type Module[T Float] interface {
	// Forward applies the module to x and returns the result.
	Forward(x *autograd.Var[T]) *autograd.Var[T]
	// Parameters returns the trainable parameters, in a stable order, each
	// once: a parameter that several parts share (a module used twice in a
	// container) is listed at its first place, as by PyTorch's parameters().
	Parameters() []*autograd.Var[T]
	// NamedParameters returns the trainable parameters with stable,
	// hierarchical names ("weight", "0.bias", "encoder.fc1.weight"), in the
	// order of Parameters, a shared one once under its first name (PyTorch's
	// named_parameters()). Model files use these names, and a shared
	// parameter's further names as well (see Save).
	NamedParameters() []NamedParam[T]
}

// NamedParam is a parameter with its hierarchical name within a module.
type NamedParam[T Float] struct {
	Name  string
	Param *autograd.Var[T]
}

// NamedBuffer is a tensor that belongs to a module's state without being
// trained, such as BatchNorm1d's running mean, with its hierarchical name
// ("1.running_mean"). Buffer is the module's live tensor: writing into it
// (CopyFrom) sets the state, which is how a model file is loaded.
type NamedBuffer[T Float] struct {
	Name   string
	Buffer *tensor.Tensor[T]
}

// Buffered is implemented by modules with buffers (BatchNorm1d) and by the
// containers, which collect their children's; model files save and load
// NamedBuffers next to NamedParameters, as PyTorch's state_dict does.
type Buffered[T Float] interface {
	// NamedBuffers returns the buffers with hierarchical names, in a
	// stable order.
	NamedBuffers() []NamedBuffer[T]
}

// NamedModule is a child module with its name within its container.
type NamedModule[T Float] struct {
	Name   string
	Module Module[T]
}

// Container is implemented by modules made of other modules (Sequential,
// Named, and your own), so that SetTraining and BuffersOf can reach every
// layer of a network. A module of your own that holds layers in fields
// should implement it, naming each child as it names the child's
// parameters. Without it, BuffersOf misses the children's buffers, so
// Save leaves BatchNorm's running statistics out of the file and Load
// leaves them as they are, silently; and SetTraining misses the children's
// mode. (PyTorch registers every module assigned to an attribute; Go has
// no such hook, so this interface is the registration.)
type Container[T Float] interface {
	Module[T]
	// Children returns the direct child modules with their names.
	Children() []NamedModule[T]
}

// BuffersOf returns the named buffers of m: m's own NamedBuffers when it is
// Buffered, otherwise those of its children when it is a Container
// (prefixed with the child's name; a module used twice has its buffers
// listed once, at its first place), otherwise none.
func BuffersOf[T Float](m Module[T]) []NamedBuffer[T] {
	if b, ok := m.(Buffered[T]); ok {
		return b.NamedBuffers()
	}
	if c, ok := m.(Container[T]); ok {
		return childBuffers(c.Children())
	}
	return nil
}

// childBuffers collects the buffers of children, each prefixed with its
// child's name; a buffer of a module used twice is listed at its first
// place only, as childParams lists parameters.
func childBuffers[T Float](children []NamedModule[T]) []NamedBuffer[T] {
	var out []NamedBuffer[T]
	seen := make(map[*tensor.Tensor[T]]bool)
	for _, c := range children {
		for _, b := range BuffersOf(c.Module) {
			if !seen[b.Buffer] {
				seen[b.Buffer] = true
				out = append(out, NamedBuffer[T]{Name: c.Name + "." + b.Name, Buffer: b.Buffer})
			}
		}
	}
	return out
}

// childParams collects the parameters of children, each prefixed with its
// child's name.
func childParams[T Float](children []NamedModule[T]) []NamedParam[T] {
	var out []NamedParam[T]
	seen := make(map[*autograd.Var[T]]bool)
	for _, c := range children {
		for _, p := range prefixed(c.Name, c.Module.NamedParameters()) {
			if !seen[p.Param] { // a module used twice: its first place only
				seen[p.Param] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// dropRepeats removes from dst[n:] each parameter that dst[start:] holds
// before it (a module used twice in a container), keeping the order, and
// returns dst; it allocates nothing.
func dropRepeats[T Float](dst []*autograd.Var[T], start, n int) []*autograd.Var[T] {
	k := n
	for _, p := range dst[n:] {
		if !slices.Contains(dst[start:k], p) {
			dst[k] = p
			k++
		}
	}
	clear(dst[k:])
	return dst[:k]
}

// prefixed returns named with prefix + "." before every name.
func prefixed[T Float](prefix string, named []NamedParam[T]) []NamedParam[T] {
	out := make([]NamedParam[T], len(named))
	for i, n := range named {
		out[i] = NamedParam[T]{Name: prefix + "." + n.Name, Param: n.Param}
	}
	return out
}

// weightBias names a layer's weight "weight" and its bias, when there is
// one, "bias"; a nil weight is left out too.
func weightBias[T Float](weight, bias *autograd.Var[T]) []NamedParam[T] {
	var out []NamedParam[T]
	if weight != nil {
		out = append(out, NamedParam[T]{"weight", weight})
	}
	if bias != nil {
		out = append(out, NamedParam[T]{"bias", bias})
	}
	return out
}
