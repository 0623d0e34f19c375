package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's loss family, each loss checked with
// its default (mean) reduction; the option-taking losses are checked as a
// sum of several configurations (weights, an ignored label, smoothing,
// probability targets, reductions), so that one entry exercises them all.

// lossOps returns the loss family's entries.
func lossOps() []OpInfo {
	pair := func(name, torch string, domain [2]float64, f64 func(a, b *Var[float64], r ...Reduction) *Var[float64], f32 func(a, b *Var[float32], r ...Reduction) *Var[float32]) OpInfo {
		m := OpInfo{Name: name, Family: FamilyLoss, Shapes: [][]int{{3, 4}, {3, 4}}, Domain: domain, Smooth: true, Torch: torch}
		return entry(m, func(xs ...*Var[float64]) *Var[float64] { return f64(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return f32(xs[0], xs[1]) })
	}
	labels := []int{0, 3, 1}
	probs := [2]float64{0.2, 0.8}
	return append([]OpInfo{
		pair("MSE", "torch.nn.functional.mse_loss(x, y)", anyReal, MSE[float64], MSE[float32]),
		pair("L1", "torch.nn.functional.l1_loss(x, y)", anyReal, L1[float64], L1[float32]).ties(TiesBetween),
		entry(OpInfo{Name: "Huber", Family: FamilyLoss, Shapes: [][]int{{3, 4}, {3, 4}}, Domain: anyReal, Smooth: true,
			Torch: "torch.nn.functional.huber_loss(x, y, delta=0.5)"},
			func(xs ...*Var[float64]) *Var[float64] { return Huber(xs[0], xs[1], 0.5) },
			func(xs ...*Var[float32]) *Var[float32] { return Huber(xs[0], xs[1], 0.5) }).ties(TiesBetween, -0.5, 0.5),
		pair("BCE", "torch.nn.functional.binary_cross_entropy(x, y)", probs, BCE[float64], BCE[float32]),
		pair("BCEWithLogits", "torch.nn.functional.binary_cross_entropy_with_logits(x, y)", anyReal, BCEWithLogits[float64], BCEWithLogits[float32]),
		entry(OpInfo{Name: "CrossEntropy", Family: FamilyLoss, Shapes: [][]int{{3, 4}}, Domain: anyReal, Smooth: true,
			Torch: "torch.nn.functional.cross_entropy(x, torch.tensor([0, 3, 1]))"},
			func(xs ...*Var[float64]) *Var[float64] { return CrossEntropy(xs[0], labels) },
			func(xs ...*Var[float32]) *Var[float32] { return CrossEntropy(xs[0], labels) }).listed("", "fused with its softmax"),
		entry(OpInfo{Name: "NLL", Family: FamilyLoss, Shapes: [][]int{{3, 4}}, Domain: anyReal, Smooth: true,
			Torch: "torch.nn.functional.nll_loss(x, torch.tensor([0, 3, 1]))"},
			func(xs ...*Var[float64]) *Var[float64] { return NLL(xs[0], labels) },
			func(xs ...*Var[float32]) *Var[float32] { return NLL(xs[0], labels) }),
	}, lossOptionOps()...)
}

// lossOptionOps returns the entries of the option-taking and embedding
// losses.
func lossOptionOps() []OpInfo {
	m := func(name, torch string, domain [2]float64, shapes ...[]int) OpInfo {
		return OpInfo{Name: name, Family: FamilyLoss, Shapes: shapes, Domain: domain, Smooth: true, Torch: torch}
	}
	both := func(info OpInfo, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(info, f64, f32)
	}
	probs := [2]float64{0.2, 0.8}
	return []OpInfo{
		both(m("CrossEntropyWith", "F.cross_entropy(x, [0, 3, 1], weight=w, ignore_index=3, label_smoothing=0.1) + "+
			"F.cross_entropy(x, [2, -100, 1], ignore_index=-100, label_smoothing=0.2, reduction='sum') + "+
			"F.cross_entropy(x, [1, 0, 2], weight=w, reduction='none').sum(), w = [0.5, 2, 1, 1.5]", anyReal, []int{3, 4}),
			ceWithCases[float64](), ceWithCases[float32]()).listed("", "weights, an ignored label, label smoothing"),
		both(m("CrossEntropySoft", "F.cross_entropy(x, q, weight=w, label_smoothing=0.1) + F.cross_entropy(x, q, reduction='sum'), w = [0.5, 2, 1, 1.5]",
			anyReal, []int{3, 4}, []int{3, 4}),
			ceSoftCases[float64](), ceSoftCases[float32]()).listed("", "probability targets"),
		both(m("NLLWith", "F.nll_loss(x, [0, 3, 1], weight=w, ignore_index=3) + F.nll_loss(x, [2, 1, 1], weight=w, reduction='sum'), w = [0.5, 2, 1, 1.5]",
			anyReal, []int{3, 4}),
			nllWithCases[float64](), nllWithCases[float32]()),
		both(m("BCEWithLogitsWith", "F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw) + "+
			"F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction='sum'), w = [[1], [0.5], [2]], pw = [3, 0.5, 1, 2]",
			anyReal, []int{3, 4}, []int{3, 4}),
			bceWithCases[float64](), bceWithCases[float32]()).listed("", "weight, pos_weight"),
		both(m("KLDiv", "F.kl_div(x, t) + F.kl_div(x, t, reduction='batchmean', log_target=True)", probs, []int{3, 4}, []int{3, 4}),
			func(xs ...*Var[float64]) *Var[float64] {
				return Add(KLDiv(xs[0], xs[1], false), KLDiv(xs[0], xs[1], true, ReduceBatchMean))
			},
			func(xs ...*Var[float32]) *Var[float32] {
				return Add(KLDiv(xs[0], xs[1], false), KLDiv(xs[0], xs[1], true, ReduceBatchMean))
			}).listed("", "also batch mean"),
		both(m("SmoothL1", "F.smooth_l1_loss(x, y, beta=0.5) + F.smooth_l1_loss(x, y, beta=0, reduction='sum')", anyReal, []int{3, 4}, []int{3, 4}),
			func(xs ...*Var[float64]) *Var[float64] {
				return Add(SmoothL1(xs[0], xs[1], 0.5), SmoothL1(xs[0], xs[1], 0, ReduceSum))
			},
			func(xs ...*Var[float32]) *Var[float32] {
				return Add(SmoothL1(xs[0], xs[1], 0.5), SmoothL1(xs[0], xs[1], 0, ReduceSum))
			}).ties(TiesBetween, -0.5, 0.5),
		both(m("MarginRanking", "F.margin_ranking_loss(x1, x2, y, margin=0.3)", anyReal, []int{3, 4}, []int{3, 4}, []int{3, 4}),
			func(xs ...*Var[float64]) *Var[float64] { return MarginRanking(xs[0], xs[1], xs[2], 0.3) },
			func(xs ...*Var[float32]) *Var[float32] { return MarginRanking(xs[0], xs[1], xs[2], 0.3) }).hiddenKinks(),
		both(m("CosineSimilarity", "F.cosine_similarity(a, b, dim=1, eps=1e-8)", anyReal, []int{2, 3, 4}, []int{3, 4}),
			func(xs ...*Var[float64]) *Var[float64] { return CosineSimilarity(xs[0], xs[1], 1, 1e-8) },
			func(xs ...*Var[float32]) *Var[float32] { return CosineSimilarity(xs[0], xs[1], 1, 1e-8) }).spread(normSpread).listed(DocSimilarity, ""),
		both(m("CosineEmbedding", "F.cosine_embedding_loss(a, b, [1, -1, -1], margin=-0.2)", anyReal, []int{3, 4}, []int{3, 4}),
			func(xs ...*Var[float64]) *Var[float64] { return CosineEmbedding(xs[0], xs[1], cosLabels, -0.2) },
			func(xs ...*Var[float32]) *Var[float32] { return CosineEmbedding(xs[0], xs[1], cosLabels, -0.2) }).spread(normSpread).hiddenKinks(),
		both(m("TripletMargin", "F.triplet_margin_loss(a, p, n) + F.triplet_margin_loss(a, p, n, margin=0.5, p=1.5, swap=True, reduction='sum')",
			anyReal, []int{3, 4}, []int{3, 4}, []int{3, 4}),
			func(xs ...*Var[float64]) *Var[float64] {
				return Add(TripletMargin(xs[0], xs[1], xs[2], 1, 2, 1e-6, false), TripletMargin(xs[0], xs[1], xs[2], 0.5, 1.5, 1e-6, true, ReduceSum))
			},
			func(xs ...*Var[float32]) *Var[float32] {
				return Add(TripletMargin(xs[0], xs[1], xs[2], 1, 2, 1e-6, false), TripletMargin(xs[0], xs[1], xs[2], 0.5, 1.5, 1e-6, true, ReduceSum))
			}).hiddenKinks(),
		both(OpInfo{Name: "PoissonNLL", Family: FamilyLoss, Shapes: [][]int{{3, 4}, {3, 4}}, Domain: [2]float64{0.2, 3}, Smooth: true,
			Kinks: []float64{1}, // the Stirling term starts at target 1
			Torch: "F.poisson_nll_loss(x, t) + F.poisson_nll_loss(x, t, log_input=False, full=True, reduction='sum')"},
			func(xs ...*Var[float64]) *Var[float64] {
				return Add(PoissonNLL(xs[0], xs[1], true, false, 1e-8), PoissonNLL(xs[0], xs[1], false, true, 1e-8, ReduceSum))
			},
			func(xs ...*Var[float32]) *Var[float32] {
				return Add(PoissonNLL(xs[0], xs[1], true, false, 1e-8), PoissonNLL(xs[0], xs[1], false, true, 1e-8, ReduceSum))
			}),
		both(m("GaussianNLL", "F.gaussian_nll_loss(x, t, v) + F.gaussian_nll_loss(x, t, v, full=True, reduction='sum'), v one per row",
			[2]float64{0.2, 2}, []int{3, 4}, []int{3, 4}, []int{3}),
			func(xs ...*Var[float64]) *Var[float64] {
				return Add(GaussianNLL(xs[0], xs[1], xs[2], false, 1e-6), GaussianNLL(xs[0], xs[1], xs[2], true, 1e-6, ReduceSum))
			},
			func(xs ...*Var[float32]) *Var[float32] {
				return Add(GaussianNLL(xs[0], xs[1], xs[2], false, 1e-6), GaussianNLL(xs[0], xs[1], xs[2], true, 1e-6, ReduceSum))
			}),
		both(m("SoftMargin", "F.soft_margin_loss(x, y)", anyReal, []int{3, 4}, []int{3, 4}),
			func(xs ...*Var[float64]) *Var[float64] { return SoftMargin(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return SoftMargin(xs[0], xs[1]) }),
		both(OpInfo{Name: "HingeEmbedding", Family: FamilyLoss, Shapes: [][]int{{3, 4}}, Domain: anyReal, Smooth: true,
			Kinks: []float64{0.5}, // the hinge, at x = margin where y = -1
			Torch: "F.hinge_embedding_loss(x, y, margin=0.5), y = ±1 alternately"},
			hingeCases[float64](), hingeCases[float32]()),
		both(m("MultiLabelSoftMargin", "F.multilabel_soft_margin_loss(x, y, weight=w) + F.multilabel_soft_margin_loss(x, y, reduction='sum'), w = [0.5, 2, 1, 1.5]",
			anyReal, []int{3, 4}, []int{3, 4}),
			multiLabelCases[float64](), multiLabelCases[float32]()),
		both(m("MultiMargin", "F.multi_margin_loss(x, [0, 3, 1]) + F.multi_margin_loss(x, [0, 3, 1], p=2, margin=0.5, weight=w, reduction='sum'), w = [0.5, 2, 1, 1.5]",
			anyReal, []int{3, 4}),
			multiMarginCases[float64](), multiMarginCases[float32]()).hiddenKinks(),
	}
}

// hingeCases is the HingeEmbedding entry, with labels 1 and -1 mixed.
func hingeCases[T Float]() func(xs ...*Var[T]) *Var[T] {
	y := Const(tensor.MustNew([]T{1, -1, 1, -1, -1, 1, -1, 1, 1, 1, -1, -1}, 3, 4))
	return func(xs ...*Var[T]) *Var[T] { return HingeEmbedding(xs[0], y, 0.5) }
}

// multiLabelCases is the MultiLabelSoftMargin entry: with class weights,
// and summed without.
func multiLabelCases[T Float]() func(xs ...*Var[T]) *Var[T] {
	w := classWeights[T]()
	return func(xs ...*Var[T]) *Var[T] {
		return Add(MultiLabelSoftMargin(xs[0], xs[1], w), MultiLabelSoftMargin(xs[0], xs[1], nil, ReduceSum))
	}
}

// multiMarginCases is the MultiMargin entry: p 1 with torch's defaults,
// and p 2 with a margin, class weights and a sum.
func multiMarginCases[T Float]() func(xs ...*Var[T]) *Var[T] {
	w, labels := classWeights[T](), []int{0, 3, 1}
	return func(xs ...*Var[T]) *Var[T] {
		return Add(MultiMargin(xs[0], labels, 1, 1, nil), MultiMargin(xs[0], labels, 2, 0.5, w, ReduceSum))
	}
}

// cosLabels are the CosineEmbedding entry's labels.
var cosLabels = []int{1, -1, -1}

// classWeights are the weights of the classification entries' 4 classes.
func classWeights[T Float]() *tensor.Tensor[T] { return tensor.MustNew([]T{0.5, 2, 1, 1.5}, 4) }

// ceWithCases is the CrossEntropyWith entry: weights with an ignored
// label and smoothing, torch's -100 ignored with smoothing and a sum, and
// weighted unreduced losses.
func ceWithCases[T Float]() func(xs ...*Var[T]) *Var[T] {
	w, three, minus100 := classWeights[T](), 3, -100
	l1, l2, l3 := []int{0, 3, 1}, []int{2, -100, 1}, []int{1, 0, 2}
	return func(xs ...*Var[T]) *Var[T] {
		a := CrossEntropyWith(xs[0], l1, CrossEntropyOptions[T]{Weight: w, IgnoreIndex: &three, LabelSmoothing: 0.1})
		b := CrossEntropyWith(xs[0], l2, CrossEntropyOptions[T]{IgnoreIndex: &minus100, LabelSmoothing: 0.2, Reduction: ReduceSum})
		c := CrossEntropyWith(xs[0], l3, CrossEntropyOptions[T]{Weight: w, Reduction: ReduceNone})
		return Add(Add(a, b), Sum(c))
	}
}

// ceSoftCases is the CrossEntropySoft entry.
func ceSoftCases[T Float]() func(xs ...*Var[T]) *Var[T] {
	w := classWeights[T]()
	return func(xs ...*Var[T]) *Var[T] {
		return Add(CrossEntropySoft(xs[0], xs[1], CrossEntropyOptions[T]{Weight: w, LabelSmoothing: 0.1}),
			CrossEntropySoft(xs[0], xs[1], CrossEntropyOptions[T]{Reduction: ReduceSum}))
	}
}

// nllWithCases is the NLLWith entry.
func nllWithCases[T Float]() func(xs ...*Var[T]) *Var[T] {
	w, three := classWeights[T](), 3
	l1, l2 := []int{0, 3, 1}, []int{2, 1, 1}
	return func(xs ...*Var[T]) *Var[T] {
		return Add(NLLWith(xs[0], l1, NLLOptions[T]{Weight: w, IgnoreIndex: &three}),
			NLLWith(xs[0], l2, NLLOptions[T]{Weight: w, Reduction: ReduceSum}))
	}
}

// bceWithCases is the BCEWithLogitsWith entry: a weight per row and a
// positive weight per class (the last axis).
func bceWithCases[T Float]() func(xs ...*Var[T]) *Var[T] {
	w, pw := tensor.MustNew([]T{1, 0.5, 2}, 3, 1), tensor.MustNew([]T{3, 0.5, 1, 2}, 4)
	return func(xs ...*Var[T]) *Var[T] {
		return Add(BCEWithLogitsWith(xs[0], xs[1], BCEWithLogitsOptions[T]{Weight: w, PosWeight: pw}),
			BCEWithLogitsWith(xs[0], xs[1], BCEWithLogitsOptions[T]{PosWeight: pw, Reduction: ReduceSum}))
	}
}
