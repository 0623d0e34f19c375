// Package autograd is Adjoint's reverse-mode automatic differentiation
// engine. A Var[T] holds a tensor value and, when it was computed from
// something that needs a gradient, the node that produced it: the operation's
// name, its inputs, and its vector-Jacobian product. Calling Backward on a
// scalar result walks those nodes in reverse topological order and fills in
// the gradient of every parameter:
//
//	w := autograd.Param(tensor.MustNew([]float64{0.5, -1}, 2, 1))
//	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4}, 2, 2))
//	loss := autograd.Sum(autograd.Sigmoid(autograd.MatMul(x, w)))
//	loss.Backward()
//	fmt.Println(w.Grad()) // d loss / d w, shape [2 1]
//
// Each operation is defined in one place: its forward kernel (from package
// tensor) next to its derivative, which is itself written with the operations
// of this package. That is what makes gradients of gradients work: Grad with
// CreateGraph records the backward pass as a new graph. Function lets you add
// an operation of your own that the engine, WriteDOT and the gradcheck
// package treat exactly like a built-in one.
//
// Broadcasting is handled once, by the engine: when an operation's gradient
// has the broadcast shape, the engine sums it back to the input's shape and
// checks that the shapes then agree.
//
// # Operations
//
//   - Arithmetic (broadcasting): Neg, Scale, Add, Sub, Mul, Div, Maximum,
//     Minimum, PowVar, Lerp (tensor weight), Atan2, Mod (Python's sign), Fmod
//     (C's), FloorDiv, Copysign, LogAddExp.
//   - Selection with a mask (the mask broadcasts too): Where, MaskedFill,
//     Dropout (inverted dropout from an explicit *rand.Rand).
//   - Comparisons and tests, returning a *tensor.Mask (no gradient; from the
//     inputs' Arena): Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual,
//     IsNaN, IsInf, IsFinite, IsClose.
//   - Logical operations on masks, in package tensor: LogicalAnd, LogicalOr,
//     LogicalNot, Any, All.
//   - Elementwise functions: Square, Pow, Exp, Log, Sqrt, Abs, Log1p, Expm1,
//     NormCDF, Sin, Cos, Clamp, Erf, Sinh, Cosh, Erfc, Tan, Asin, Acos, Atan,
//     Asinh, Acosh, Atanh, Log2, Log10, Exp2, Rsqrt, Reciprocal, Cbrt.
//   - Elementwise rounding, with a zero gradient as in torch: Floor, Ceil,
//     Round (halves to even), Trunc, Sign.
//   - Activations and normalization: Sigmoid, Tanh, ReLU, Softplus, LeakyReLU,
//     ELU, GELU, GELUTanh, SiLU, LogSigmoid, Hardtanh, Hardswish, Hardsigmoid,
//     Mish, SELU, CELU, Softsign, Softshrink, Hardshrink, Tanhshrink, Softmax,
//     LogSoftmax, LayerNorm, BatchNorm (batch statistics; also returns the
//     batch mean and unbiased variance for running stats), BatchNormEval
//     (given running stats), GroupNorm (groups = 1 to C), RMSNorm (torch 2.x's
//     rms_norm).
//   - Reductions (over all axes or the given ones; the KeepDims forms keep
//     them): Sum, SumKeepDims, Mean, MeanKeepDims, Max, MaxKeepDims, Min,
//     MinKeepDims, LogSumExp, LogSumExpKeepDims, Variance, Std, Argmax
//     (returns indices), Argmin (returns indices), Prod.
//   - Scans, sorting and reordering along an axis: Cumsum, Cumprod, Cummax,
//     Cummin, LogCumSumExp, Sort (values and a *tensor.Index of positions;
//     stable: ties by lower index), Argsort (the positions alone), TopK (the k
//     largest or smallest, the same way), Flip, Roll, Tril, Triu, Diagonal,
//     Repeat, RepeatInterleave, RepeatInterleaveEach.
//   - Linear algebra: MatMul (torch.matmul broadcasting), MatMulT (transposed
//     operands, no copies), Linear (x·wᵀ + b, fused), LinearReLU (max(x·wᵀ +
//     b, 0) with one result), Einsum (torch.einsum subscripts: diagonals,
//     ellipsis broadcasting, any number of operands, through the GEMM), Norm
//     (torch.linalg.vector_norm: any p ≥ 0, ±Inf; Frobenius over two axes),
//     NormKeepDims, Dot, Outer, Trace.
//   - Attention: ScaledDotProductAttention (softmax(q·kᵀ/√D + mask)·v, fused
//     on the batched GEMM; boolean mask, true = take part; causal; batch and
//     head axes), ScaledDotProductAttentionWith (its options in a struct: a
//     key padding mask (PyTorch's key_padding_mask, true = ignore), and
//     dropout on the weights from an explicit *rand.Rand or a fixed mask),
//     PackedSelfAttention (multi-head self-attention on the packed q, k, v
//     projection [N·L, 3E] → [N·L, E], heads read and written in place with
//     strided GEMMs).
//   - Recurrent cell steps, one fused op per time step (PyTorch's gate order;
//     the caller adds the matrix products): LSTMCellState, LSTMCellOutput
//     (with LSTMCellState, one nn.LSTMCell step from its pre-activation
//     gates), GRUCellState (an nn.GRUCell step from x·W_ihᵀ + b_ih and
//     h·W_hhᵀ + b_hh).
//   - Shape: Transpose, Reshape, Permute, Squeeze, Unsqueeze, Expand,
//     BroadcastTo, SumTo, Slice (negative steps walk backwards), Select (x[:,
//     i], the axis removed), Pad (negative widths crop), IndexSelect, Concat,
//     Stack, Split, Embedding (a lookup by ids, as F.embedding),
//     EmbeddingPadded (a padding row without gradient, as padding_idx).
//   - Indexing (indices are *tensor.Index, masks *tensor.Mask): Gather,
//     Scatter, ScatterAdd, ScatterReduce (sum, prod, mean, amax, amin),
//     IndexAdd, MaskedSelect, IndexArrays (x[i0, i1, ...]), Unfold.
//   - Convolution: Conv2D (NCHW; stride, padding, dilation, groups: depthwise
//     with groups = channels), Conv1D (NCL, the same options), ConvTranspose2D
//     (PyTorch's conv_transpose2d: output padding, groups).
//   - Pooling, resampling and padding: MaxPool2D, AvgPool2D, MaxPool2DWith
//     (dilation, ceil mode, returns the indices), AvgPool2DWith (ceil mode,
//     count_include_pad, divisor_override), AdaptiveAvgPool2D,
//     AdaptiveMaxPool2D, MaxUnpool2D, Interpolate (nearest, bilinear,
//     align_corners), PadWith (F.pad: constant on any axis; reflect,
//     replicate, circular on the last 1, 2 or 3 axes; negative widths crop).
//   - Losses (mean, sum or per-element): MSE, L1, Huber, BCE, BCEWithLogits,
//     CrossEntropy (fused with its softmax), NLL, CrossEntropyWith (weights,
//     an ignored label, label smoothing), CrossEntropySoft (probability
//     targets), NLLWith, BCEWithLogitsWith (weight, pos_weight), KLDiv (also
//     batch mean), SmoothL1, MarginRanking, CosineEmbedding, TripletMargin,
//     PoissonNLL, GaussianNLL, SoftMargin, HingeEmbedding,
//     MultiLabelSoftMargin, MultiMargin.
//   - Similarity: CosineSimilarity.
//
// Where a derivative has a kink (ReLU and Abs at 0, ties), the subgradient
// chosen is documented on the operation. Ties follow PyTorch, one rule per
// kind of op: Max, Min, Maximum and Minimum split the gradient evenly among
// tied elements; ops that select and report one position (Argmax,
// MaxPool2D, Cummax, Cummin, Sort, TopK) route it all to that index.
// Where a derivative is 0 on a whole region by construction (ReLU for
// x ≤ 0, Clamp outside its bounds, the flat sides of Hardtanh, Hardsigmoid
// and Hardswish, the operand of Maximum or Minimum that loses, LinearReLU,
// the branch of Where and the elements of MaskedFill not selected, NLL's
// classes other than the label, ignored samples of the cross-entropy
// losses, MarginRanking's elements within the margin, CosineEmbedding's
// branch of the other label and its rows within the margin, Std over a
// constant slice (where it has no derivative), and everywhere for
// the constant ops: Floor, Ceil, Round, Trunc, Sign and Pow with p = 0),
// the gradient there is selected away: +0 even for an infinite or NaN
// incoming gradient, where a product with a mask would give 0·Inf = NaN.
// PyTorch's backward formulas select there too (threshold_backward,
// clamp_backward, where, masked_fill, nll_loss_backward, zeros_like), and
// so does JAX's relu; forward mode follows the same rule. Elsewhere
// derivatives are products, as in PyTorch (LeakyReLU, Abs, Dropout and the
// Max and Min reductions included).
//
// # Functional transforms
//
// JVP evaluates a function of tensors and its directional derivative J·t in
// one forward sweep: the tangents are pushed through the graph the function
// records, inputs first. Every operation of the package has a forward rule
// of its own beside its reverse derivative, at about the cost of its
// forward; only a Function without a JVP rule gets one derived from its
// differentiable backward (the vector-Jacobian product is linear in the
// output's gradient u, so J·t = ∂/∂u ⟨Jᵀu, t⟩). VJP returns the value and a reusable pullback
// u ↦ uᵀJ. Jacobian builds the whole Jacobian row by row (reverse mode) or
// column by column (forward mode), whichever needs fewer passes unless told;
// Hessian differentiates the recorded gradient forward (forward over
// reverse), and HVP gives H·v without forming H. BatchJacobian computes the
// per-row Jacobians of a row-wise function (a per-example gradient with
// respect to a batch's inputs) in as many passes as one row needs.
// gradcheck.CheckJVP checks forward mode against finite differences.
//
// # Speed: fast paths and the Arena
//
// Every operation has two forms of its derivative: one written with this
// package's operations, which Grad with CreateGraph records (gradients of
// gradients), and a fused one on plain tensors, which an ordinary backward
// pass runs: matmuls and convolutions accumulate straight into the
// gradient, pointwise derivatives are one loop or one vectorized kernel,
// and a parameter used once receives its gradient in place. The pointwise
// operations are declared in one table (pointwise_ops.go; Ops lists it),
// whose entries hold the forward kernel, both derivatives and the metadata
// the tests range over. Tests check that the two forms agree: bit for bit
// where they run the same kernels, to a few ulps where the fused form is a
// vectorized kernel of its own (GELU, SiLU, Erf). A pointwise op whose
// derivative costs next to nothing alongside its value (GELU) computes both
// in one sweep when its input needs a gradient and keeps the derivative, so
// that the backward pass is one product with g, with the bits of the
// separate derivative kernel; without a gradient it computes the value
// alone. Reshape, Squeeze and Unsqueeze return views of their input's
// memory, with or without an Arena, and under an Arena pass their gradient
// on as a view when it is the input's whole gradient.
//
// The transcendental functions (exp, log, tanh, sigmoid, erf and the
// activations built on them) run vectorized kernels (AVX-512, AVX2, and a
// portable Go form that gives the same bits), each with a stated and tested
// error bound in ulps; reductions sum pairwise, so float32 sums stay
// accurate, and deterministically.
//
// An Arena makes a steady-state training step allocate nothing: put each
// batch in with Arena.Const and Reset the arena at the start of every step,
// and every tensor, graph node and backward-pass buffer of the step is an
// earlier step's, reused. Read what you keep (Item) before the next Reset.
// Arena.Param makes a parameter whose operations take their results from the
// arena even when no batch enters the step; Arena.Use brings an existing
// parameter into the step, for operations on it alone (a Split of a weight),
// and Var.Arena finds the step's arena from any of its Vars.
//
// # Inference and memory
//
// A trained model is evaluated without recording a graph by feeding it a
// batch from NewInferenceArena: operations with an input from that arena
// record nothing although the parameters still require gradients
// (PyTorch's torch.no_grad(), without a global switch), and a warm loop
// allocates nothing.
//
// Checkpoint trades compute for memory: it keeps only a segment's inputs
// and runs the segment again when Backward reaches it, so that a deep stack
// with one checkpoint per block holds one block's activations at a time.
// Under an inference Arena, where nothing is recorded, it just runs the
// segment: the same model code serves training and evaluation.
//
// # Errors and debugging
//
// Shape misuse panics with a *tensor.ShapeError (package "autograd") naming
// the operation and the shapes; a nil *Var given to an operation panics
// with a *UsageError naming it and the operand, counted from 1 among its
// *Var arguments ("autograd: MatMul: operand 2 is nil"), except for the
// optional ones documented as taking nil (Linear's bias); Grad,
// Checkpoint, WriteDOT and DetectAnomaly name the list a nil Var is in and
// its index from 0 ("autograd: Grad: input 0 is nil"). NaN and Inf
// propagate; DetectAnomaly makes the first operation that produces one
// (from finite numbers, or a NaN from ±Inf) panic with an *AnomalyError
// that names it and the line that called it; StopDetectingAnomaly turns it
// off again. WriteDOT draws a graph.
//
// # Concurrency
//
// There is no package-level mutable state that a caller can observe (the
// only package-level values are sync.Pools recycling the internal buffers of
// plain backward passes, as package tensor's GEMM recycles its packing
// buffers): separate graphs may be built and differentiated concurrently,
// and a model's parameters may be read by many forward passes at once. A
// graph, and the parameters it accumulates gradients into, belongs to one
// goroutine at a time during Backward: concurrent Backward passes must not
// share a leaf that requires a gradient (give each goroutine its own
// parameters, or use Grad, which accumulates nothing into them). Grad may
// run concurrently over graphs that share a retained subgraph (RetainGraph)
// and the same parameters. A model with a Checkpoint can only be
// differentiated by Backward, so not concurrently on shared parameters.
//
// None of these misuses is detected, and each is a data race (go test
// -race reports it) that can give wrong gradients without a panic:
// concurrent Backward passes into shared parameters lose some of their
// contributions; and concurrent passes over a shared subgraph where one
// of them is without RetainGraph free that subgraph under the others,
// which then read released state (on one goroutine, a second pass over a
// released graph panics with a *UsageError; across goroutines it may
// not). Every pass over a shared subgraph must retain it, the last one
// included, and the subgraph is freed with its last reference. An Arena,
// likewise, serves one goroutine at a time: give each goroutine its own.
package autograd
