"""PyTorch reference cases of the loss family's option-taking and embedding
losses (torchref_loss.json), loaded by gen.py: see README.md beside it.

Parameters follow the Go ops: "weight" and "pos_weight" are flat lists with
"weight_shape" and "pos_weight_shape"; "ignore_index" absent means that no
label is ignored; "y" holds CosineEmbedding's labels."""

import torch
import torch.nn.functional as F


def _red(p):
    return p.get("reduction", "mean")


def _t(p, key):
    """A constant tensor parameter (flat list reshaped), or None."""
    if key not in p:
        return None
    return torch.tensor(p[key], dtype=torch.float64).reshape(p.get(key + "_shape", [len(p[key])]))


def _labels(x, p):
    lab = torch.tensor(p["labels"])
    return lab if x.dim() == 2 else lab.reshape(())


def _ce(x, p):
    return F.cross_entropy(x[0], _labels(x[0], p), weight=_t(p, "weight"), ignore_index=p.get("ignore_index", -100),
                           label_smoothing=p.get("label_smoothing", 0.0), reduction=_red(p))


def _ce_soft(x, p):
    return F.cross_entropy(x[0], x[1], weight=_t(p, "weight"), label_smoothing=p.get("label_smoothing", 0.0),
                           reduction=_red(p))


def _nll(x, p):
    return F.nll_loss(x[0], _labels(x[0], p), weight=_t(p, "weight"), ignore_index=p.get("ignore_index", -100),
                      reduction=_red(p))


def _bce(x, p):
    return F.binary_cross_entropy_with_logits(x[0], x[1], weight=_t(p, "weight"), pos_weight=_t(p, "pos_weight"),
                                              reduction=_red(p))


def _cos_emb(x, p):
    y = torch.tensor(p["y"], dtype=torch.float64)
    if x[0].dim() == 1:
        y = y.reshape(())
    return F.cosine_embedding_loss(x[0], x[1], y, margin=p["margin"], reduction=_red(p))


OPS = {
    "CrossEntropyWith": _ce,
    "CrossEntropySoft": _ce_soft,
    "NLLWith": _nll,
    "BCEWithLogitsWith": _bce,
    "KLDiv": lambda x, p: F.kl_div(x[0], x[1], reduction=_red(p), log_target=p.get("log_target", False)),
    "SmoothL1": lambda x, p: F.smooth_l1_loss(x[0], x[1], reduction=_red(p), beta=p["beta"]),
    "MarginRanking": lambda x, p: F.margin_ranking_loss(x[0], x[1], x[2], margin=p["margin"], reduction=_red(p)),
    "CosineSimilarity": lambda x, p: F.cosine_similarity(x[0], x[1], dim=p["axis"], eps=p["eps"]),
    "CosineEmbedding": _cos_emb,
    "TripletMargin": lambda x, p: F.triplet_margin_loss(x[0], x[1], x[2], margin=p["margin"], p=p["p"], eps=p["eps"],
                                                        swap=p.get("swap", False), reduction=_red(p)),
    "PoissonNLL": lambda x, p: F.poisson_nll_loss(x[0], x[1], log_input=p["log_input"], full=p["full"], eps=p["eps"],
                                                  reduction=_red(p)),
    "GaussianNLL": lambda x, p: F.gaussian_nll_loss(x[0], x[1], x[2], full=p["full"], eps=p["eps"], reduction=_red(p)),
    "SoftMargin": lambda x, p: F.soft_margin_loss(x[0], x[1], reduction=_red(p)),
    "HingeEmbedding": lambda x, p: F.hinge_embedding_loss(x[0], x[1], margin=p["margin"], reduction=_red(p)),
    "MultiLabelSoftMargin": lambda x, p: F.multilabel_soft_margin_loss(x[0], x[1], weight=_t(p, "weight"),
                                                                      reduction=_red(p)),
    "MultiMargin": lambda x, p: F.multi_margin_loss(x[0], _labels(x[0], p), p=int(p["p"]), margin=p["margin"],
                                                    weight=_t(p, "weight"), reduction=_red(p)),
}


def _hinge_apart(f, margin=0.005):
    """Check: the hinge argument f(inputs) is at least margin away from 0
    everywhere, so that no subgradient choice matters."""

    def chk(xs):
        z = f(xs).abs().min().item()
        assert z >= margin, "hinge argument only %g from 0" % z

    return chk


def _cos_rows(xs):
    a, b = xs[0], xs[1]
    return (a * b).sum(-1) / ((a * a).sum(-1) + 1e-12).mul((b * b).sum(-1) + 1e-12).sqrt()


def build_cases(g):
    case, uniform, const, values, offset_from, intervals = g.case, g.uniform, g.const, g.values, g.offset_from, g.intervals
    w5 = [0.5, 2.0, 1.0, 0.25, 1.5]

    # CrossEntropyWith: weights, an ignored label, label smoothing.
    lab = [2, 0, 4, 2]
    case("CrossEntropyWith/[4 5] weight mean", "CrossEntropyWith", [uniform(-3, 3, 4, 5)], {"labels": lab, "weight": w5})
    case("CrossEntropyWith/[4 5] ignore 2 weight sum", "CrossEntropyWith", [uniform(-3, 3, 4, 5)],
         {"labels": lab, "weight": w5, "ignore_index": 2, "reduction": "sum"})
    case("CrossEntropyWith/[4 5] ignore -100 smoothing 0.15 mean", "CrossEntropyWith", [uniform(-3, 3, 4, 5)],
         {"labels": [1, -100, 3, -100], "ignore_index": -100, "label_smoothing": 0.15})
    case("CrossEntropyWith/[4 5] weight smoothing 0.3 ignore 0 mean", "CrossEntropyWith", [uniform(-3, 3, 4, 5)],
         {"labels": [0, 3, 1, 4], "weight": w5, "ignore_index": 0, "label_smoothing": 0.3})
    case("CrossEntropyWith/[4 5] weight smoothing ignore none", "CrossEntropyWith", [uniform(-3, 3, 4, 5)],
         {"labels": [4, 1, 1, 0], "weight": w5, "ignore_index": 1, "label_smoothing": 0.1, "reduction": "none"})
    case("CrossEntropyWith/one sample [5] weight smoothing", "CrossEntropyWith", [uniform(-3, 3, 5)],
         {"labels": [3], "weight": w5, "label_smoothing": 0.2})
    case("CrossEntropyWith/[3 2] smoothing 1 sum", "CrossEntropyWith", [uniform(-3, 3, 3, 2)],
         {"labels": [1, 0, 1], "label_smoothing": 1.0, "reduction": "sum"})

    # CrossEntropySoft: probability targets (differentiable too).
    case("CrossEntropySoft/[4 5] mean", "CrossEntropySoft", [uniform(-3, 3, 4, 5), uniform(0, 1, 4, 5)])
    case("CrossEntropySoft/[4 5] weight smoothing 0.2 mean", "CrossEntropySoft", [uniform(-3, 3, 4, 5), uniform(0, 1, 4, 5)],
         {"weight": w5, "label_smoothing": 0.2})
    case("CrossEntropySoft/[3 5] weight sum", "CrossEntropySoft", [uniform(-3, 3, 3, 5), uniform(0, 1, 3, 5)],
         {"weight": w5, "reduction": "sum"})
    case("CrossEntropySoft/[2 5] smoothing none constant target", "CrossEntropySoft",
         [uniform(-3, 3, 2, 5), const(uniform(0, 1, 2, 5))], {"label_smoothing": 0.1, "reduction": "none"})
    case("CrossEntropySoft/one sample [5] weight", "CrossEntropySoft", [uniform(-3, 3, 5), uniform(0, 1, 5)], {"weight": w5})

    # NLLWith: weights and an ignored label.
    case("NLLWith/[4 5] weight mean", "NLLWith", [uniform(-3, 0, 4, 5)], {"labels": lab, "weight": w5})
    case("NLLWith/[4 5] ignore 4 weight sum", "NLLWith", [uniform(-3, 0, 4, 5)],
         {"labels": lab, "weight": w5, "ignore_index": 4, "reduction": "sum"})
    case("NLLWith/[4 5] ignore -100 none", "NLLWith", [uniform(-3, 0, 4, 5)],
         {"labels": [1, -100, 3, 0], "ignore_index": -100, "reduction": "none"})
    case("NLLWith/[4 5] ignore 2 weight mean", "NLLWith", [uniform(-3, 0, 4, 5)],
         {"labels": lab, "weight": w5, "ignore_index": 2})
    case("NLLWith/one sample [5] weight", "NLLWith", [uniform(-3, 0, 5)], {"labels": [1], "weight": w5})

    # BCEWithLogitsWith: weight and pos_weight, broadcasting.
    case("BCEWithLogitsWith/[3 4] pos_weight [4] mean", "BCEWithLogitsWith", [uniform(-4, 4, 3, 4), uniform(0, 1, 3, 4)],
         {"pos_weight": [3.0, 0.5, 1.0, 2.0]})
    case("BCEWithLogitsWith/[3 4] weight [3 1] pos_weight [4] sum", "BCEWithLogitsWith",
         [uniform(-4, 4, 3, 4), uniform(0, 1, 3, 4)],
         {"weight": [1.0, 0.5, 2.0], "weight_shape": [3, 1], "pos_weight": [3.0, 0.5, 1.0, 2.0], "reduction": "sum"})
    case("BCEWithLogitsWith/[2 3 5] pos_weight [5] none", "BCEWithLogitsWith", [uniform(-4, 4, 2, 3, 5), uniform(0, 1, 2, 3, 5)],
         {"pos_weight": [0.25, 4.0, 1.5, 1.0, 2.5], "reduction": "none"})
    case("BCEWithLogitsWith/[2 3] weight [2 3] mean", "BCEWithLogitsWith", [uniform(-4, 4, 2, 3), uniform(0, 1, 2, 3)],
         {"weight": [1.0, 0.5, 2.0, 0.1, 3.0, 1.0], "weight_shape": [2, 3]})
    case("BCEWithLogitsWith/[4] pos_weight [1] large logits constant target", "BCEWithLogitsWith",
         [values([-30.0, -3.5, 2.25, 25.0], 4), const(values([1.0, 0.0, 1.0, 0.5], 4))], {"pos_weight": [2.5]})

    # KLDiv.
    for red in ["mean", "batchmean", "sum", "none"]:
        case("KLDiv/[3 4] " + red, "KLDiv", [uniform(-3, 0, 3, 4), uniform(0.05, 1, 3, 4)], {"reduction": red})
    case("KLDiv/[2 3 2] log target batchmean", "KLDiv", [uniform(-3, 0, 2, 3, 2), uniform(-3, 0, 2, 3, 2)],
         {"reduction": "batchmean", "log_target": True})
    case("KLDiv/[5] log target sum", "KLDiv", [uniform(-3, 0, 5), uniform(-3, 0, 5)], {"reduction": "sum", "log_target": True})
    case("KLDiv/[3 4] constant target", "KLDiv", [uniform(-3, 0, 3, 4), const(uniform(0.05, 1, 3, 4))])

    # SmoothL1: differences away from 0 and from ±beta.
    case("SmoothL1/beta 1 mean", "SmoothL1",
         [uniform(-2, 2, 2, 3), offset_from(0, [(-3, -1.1), (-0.9, -0.1), (0.1, 0.9), (1.1, 3)])], {"beta": 1.0})
    case("SmoothL1/beta 0.5 sum [2 3 2]", "SmoothL1",
         [uniform(-2, 2, 2, 3, 2), offset_from(0, [(-2, -0.6), (-0.4, -0.05), (0.05, 0.4), (0.6, 2)])],
         {"beta": 0.5, "reduction": "sum"})
    case("SmoothL1/beta 0 is L1 none", "SmoothL1", [uniform(-2, 2, 2, 3), offset_from(0, [(-2, -0.1), (0.1, 2)])],
         {"beta": 0.0, "reduction": "none"})
    case("SmoothL1/beta 2 mean", "SmoothL1", [uniform(-2, 2, 5), offset_from(0, [(-4, -2.1), (-1.9, -0.1), (0.1, 1.9), (2.1, 4)])],
         {"beta": 2.0})

    # MarginRanking: y is ±1 (or any real; it is differentiable).
    hinge = lambda m: _hinge_apart(lambda xs: -xs[2] * (xs[0] - xs[1]) + m)
    case("MarginRanking/[6] margin 0.5 mean", "MarginRanking",
         [uniform(-2, 2, 6), uniform(-2, 2, 6), const(values([1.0, -1.0, 1.0, 1.0, -1.0, -1.0], 6))],
         {"margin": 0.5}, check=hinge(0.5))
    case("MarginRanking/[2 3] margin 0 sum", "MarginRanking",
         [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3), const(values([1.0, -1.0, -1.0, 1.0, 1.0, -1.0], 2, 3))],
         {"margin": 0.0, "reduction": "sum"}, check=hinge(0.0))
    case("MarginRanking/[2 3] real y differentiable none", "MarginRanking",
         [uniform(-2, 2, 2, 3), uniform(-2, 2, 2, 3), uniform(-1.5, 1.5, 2, 3)],
         {"margin": 0.25, "reduction": "none"}, check=hinge(0.25))

    # CosineSimilarity: torch 1.13 divides each vector by max(norm, eps).
    case("CosineSimilarity/[4 5] axis 1", "CosineSimilarity", [uniform(-2, 2, 4, 5), uniform(-2, 2, 4, 5)], {"axis": 1, "eps": 1e-8})
    case("CosineSimilarity/[2 3 4] axis 0", "CosineSimilarity", [uniform(-2, 2, 2, 3, 4), uniform(-2, 2, 2, 3, 4)],
         {"axis": 0, "eps": 1e-8})
    case("CosineSimilarity/broadcast [3 1 4] [1 2 4] axis -1", "CosineSimilarity",
         [uniform(-2, 2, 3, 1, 4), uniform(-2, 2, 1, 2, 4)], {"axis": -1, "eps": 1e-8})
    case("CosineSimilarity/[5] axis 0 constant b", "CosineSimilarity", [uniform(-2, 2, 5), const(uniform(-2, 2, 5))],
         {"axis": 0, "eps": 1e-6})
    case("CosineSimilarity/clamped norm eps 0.5", "CosineSimilarity",
         [values([0.1, -0.2, 0.05, 1.0, 2.0, -0.5], 2, 3), values([0.3, 0.1, -0.2, 0.02, 0.01, 0.03], 2, 3)],
         {"axis": 1, "eps": 0.5},
         no_second_order="where a norm is clamped torch differentiates the norm with its clamped value, "
                         "which Adjoint's recorded derivative (clamped norm constant) does not reproduce")

    # CosineEmbedding: labels ±1; cos - margin away from 0 where y = -1.
    neg_apart = lambda y, m: _hinge_apart(
        lambda xs: torch.where(torch.tensor(y) == -1, _cos_rows(xs) - m, torch.ones(())))
    y4 = [1, -1, -1, 1]
    case("CosineEmbedding/[4 5] margin 0 mean", "CosineEmbedding", [uniform(-2, 2, 4, 5), uniform(-2, 2, 4, 5)],
         {"y": y4, "margin": 0.0}, check=neg_apart(y4, 0.0))
    case("CosineEmbedding/[4 5] margin -0.5 sum", "CosineEmbedding", [uniform(-2, 2, 4, 5), uniform(-2, 2, 4, 5)],
         {"y": y4, "margin": -0.5, "reduction": "sum"}, check=neg_apart(y4, -0.5))
    case("CosineEmbedding/[3 2] margin 0.2 none", "CosineEmbedding", [uniform(-2, 2, 3, 2), uniform(-2, 2, 3, 2)],
         {"y": [-1, -1, 1], "margin": 0.2, "reduction": "none"}, check=neg_apart([-1, -1, 1], 0.2))
    case("CosineEmbedding/one pair [4] y 1", "CosineEmbedding", [uniform(-2, 2, 4), uniform(-2, 2, 4)], {"y": [1], "margin": 0.0})

    # TripletMargin: the hinge away from 0.
    def dist(a, b, p, eps):
        return torch.norm(a - b + eps, p, -1)

    def trip(m, p, eps, swap=False):
        def f(xs):
            dn = dist(xs[0], xs[2], p, eps)
            if swap:
                dn = torch.minimum(dn, dist(xs[1], xs[2], p, eps))
            return dist(xs[0], xs[1], p, eps) - dn + m
        return _hinge_apart(f)

    case("TripletMargin/[4 5] default mean", "TripletMargin", [uniform(-1, 1, 4, 5), uniform(-1, 1, 4, 5), uniform(-1, 1, 4, 5)],
         {"margin": 1.0, "p": 2.0, "eps": 1e-6}, check=trip(1.0, 2.0, 1e-6))
    case("TripletMargin/[4 3] p 1 margin 0.5 sum", "TripletMargin",
         [uniform(-1, 1, 4, 3), uniform(-1, 1, 4, 3), uniform(-1, 1, 4, 3)],
         {"margin": 0.5, "p": 1.0, "eps": 1e-6, "reduction": "sum"}, check=trip(0.5, 1.0, 1e-6))
    case("TripletMargin/[3 4] swap p 3 none", "TripletMargin", [uniform(-1, 1, 3, 4), uniform(-1, 1, 3, 4), uniform(-1, 1, 3, 4)],
         {"margin": 0.3, "p": 3.0, "eps": 1e-3, "swap": True, "reduction": "none"}, check=trip(0.3, 3.0, 1e-3, True))
    case("TripletMargin/one triplet [6] swap", "TripletMargin", [uniform(-1, 1, 6), uniform(-1, 1, 6), uniform(-1, 1, 6)],
         {"margin": 2.0, "p": 2.0, "eps": 1e-6, "swap": True}, check=trip(2.0, 2.0, 1e-6, True))

    # PoissonNLL: a target differentiable too; with full, targets away from
    # 1, where the Stirling term starts.
    case("PoissonNLL/[3 4] log input mean", "PoissonNLL", [uniform(-2, 2, 3, 4), uniform(0, 4, 3, 4)],
         {"log_input": True, "full": False, "eps": 1e-8})
    case("PoissonNLL/[5] rate full sum", "PoissonNLL",
         [uniform(0.1, 3, 5), values([0.3, 2.5, 0.8, 3.7, 7.0], 5)], {"log_input": False, "full": True, "eps": 1e-8,
                                                                      "reduction": "sum"})
    case("PoissonNLL/[2 3] log input full none constant target", "PoissonNLL",
         [uniform(-2, 2, 2, 3), const(values([0.0, 1.0, 2.0, 5.0, 0.5, 12.0], 2, 3))],
         {"log_input": True, "full": True, "eps": 1e-8, "reduction": "none"})
    case("PoissonNLL/0-d rate eps 0.1", "PoissonNLL", [uniform(0.1, 2, ), uniform(0, 3, )],
         {"log_input": False, "full": False, "eps": 0.1})

    # GaussianNLL: a variance per element, per row ([N] or [N 1]), and
    # below eps, where only its value is clamped.
    case("GaussianNLL/[4 3] variance per element mean", "GaussianNLL",
         [uniform(-2, 2, 4, 3), uniform(-2, 2, 4, 3), uniform(0.2, 2, 4, 3)], {"full": False, "eps": 1e-6})
    case("GaussianNLL/[4 3] variance [4] full sum", "GaussianNLL",
         [uniform(-2, 2, 4, 3), uniform(-2, 2, 4, 3), uniform(0.2, 2, 4)], {"full": True, "eps": 1e-6, "reduction": "sum"})
    case("GaussianNLL/[4 3] variance [4 1] none", "GaussianNLL",
         [uniform(-2, 2, 4, 3), const(uniform(-2, 2, 4, 3)), uniform(0.2, 2, 4, 1)],
         {"full": False, "eps": 1e-6, "reduction": "none"})
    case("GaussianNLL/[4] variance below eps 0.1", "GaussianNLL",
         [uniform(-2, 2, 4), uniform(-2, 2, 4), values([0.05, 0.5, 0.01, 1.0], 4)], {"full": False, "eps": 0.1})
    case("GaussianNLL/0-d", "GaussianNLL", [uniform(-2, 2, ), uniform(-2, 2, ), uniform(0.2, 2, )],
         {"full": True, "eps": 1e-6})

    # SoftMargin: labels ±1 or any real (torch 1.13 does not differentiate
    # them).
    case("SoftMargin/[3 4] labels mean", "SoftMargin",
         [uniform(-3, 3, 3, 4), const(values([1.0, -1.0, -1.0, 1.0] * 3, 3, 4))], {})
    case("SoftMargin/[5] real y sum", "SoftMargin", [uniform(-3, 3, 5), const(uniform(-1.5, 1.5, 5))], {"reduction": "sum"})
    case("SoftMargin/0-d none", "SoftMargin", [uniform(-3, 3, ), const(uniform(-1.5, 1.5, ))], {"reduction": "none"})

    # HingeEmbedding: x away from the margin; a label other than ±1 takes
    # both terms, as torch computes it.
    case("HingeEmbedding/[3 4] margin 1 mean", "HingeEmbedding",
         [intervals([(-2, 0.9), (1.1, 3)], 3, 4), const(values([1.0, -1.0, -1.0, 1.0, -1.0, -1.0] * 2, 3, 4))],
         {"margin": 1.0})
    case("HingeEmbedding/[6] margin 0.5 sum", "HingeEmbedding",
         [intervals([(-1, 0.4), (0.6, 2)], 6), const(values([-1.0, -1.0, 1.0, -1.0, 1.0, -1.0], 6))],
         {"margin": 0.5, "reduction": "sum"})
    case("HingeEmbedding/[2 3] label 0 none", "HingeEmbedding",
         [intervals([(-1, 1.9), (2.1, 3)], 2, 3), const(values([0.0, -1.0, 1.0, 0.0, -1.0, 1.0], 2, 3))],
         {"margin": 2.0, "reduction": "none"})

    # MultiLabelSoftMargin: targets in [0, 1], differentiable.
    case("MultiLabelSoftMargin/[3 5] weight mean", "MultiLabelSoftMargin", [uniform(-3, 3, 3, 5), uniform(0, 1, 3, 5)],
         {"weight": w5})
    case("MultiLabelSoftMargin/one sample [4] sum", "MultiLabelSoftMargin",
         [uniform(-3, 3, 4), const(values([1.0, 0.0, 1.0, 1.0], 4))], {"reduction": "sum"})
    case("MultiLabelSoftMargin/[2 3] none", "MultiLabelSoftMargin", [uniform(-3, 3, 2, 3), uniform(0, 1, 2, 3)],
         {"reduction": "none"})

    # MultiMargin: every hinge margin - x_y + x_i away from 0 (fixed
    # scores, drawn once so).
    def mm_apart(labels, margin):
        def f(xs):
            x = xs[0] if xs[0].dim() == 2 else xs[0].unsqueeze(0)
            xy = x.gather(1, torch.tensor(labels).reshape(-1, 1))
            return margin - xy + x
        return _hinge_apart(f)

    mm_no2 = "torch 1.13 has no double backward for multi_margin_loss"
    case("MultiMargin/[4 5] p 1 mean", "MultiMargin",
         [values([1.88, 0.831, -0.162, 1.683, 0.58, 1.165, -1.286, -0.596, 0.325, -0.847,
                  -0.189, -1.293, -0.579, 0.488, -0.073, -0.237, -0.371, -1.178, 0.66, 1.139], 4, 5)], {"labels": lab, "p": 1, "margin": 1.0},
         check=mm_apart(lab, 1.0), no_second_order=mm_no2)
    case("MultiMargin/[3 4] p 2 margin 0.5 weight sum", "MultiMargin",
         [values([-1.159, 0.707, -1.561, 0.095, -1.096, 0.233, 0.35, 0.728, 0.982, -1.089, 1.24, 0.522], 3, 4)],
         {"labels": [3, 0, 1], "p": 2, "margin": 0.5, "weight": [0.5, 2.0, 1.0, 1.5], "reduction": "sum"},
         check=mm_apart([3, 0, 1], 0.5), no_second_order=mm_no2)
    case("MultiMargin/one sample [5] p 1 none", "MultiMargin", [values([-1.216, -1.389, -0.074, 1.67, 0.288], 5)],
         {"labels": [2], "p": 1, "margin": 0.8, "reduction": "none"}, check=mm_apart([2], 0.8), no_second_order=mm_no2)
