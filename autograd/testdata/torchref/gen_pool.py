"""PyTorch reference cases of the pooling, resampling and padding ops
(optable_pool.go's entries beyond MaxPool2D and AvgPool2D, whose cases are in
gen.py): torchref_pool.json. Loaded by gen.py (see its family_modules);
parameters are in the Go ops' conventions and translated here."""

import torch
import torch.nn.functional as F


def _stride(p):
    return tuple(k if s == 0 else s for k, s in zip(p["kernel"], p.get("stride", [0, 0])))


def _max_pool(x, p):
    y, idx = F.max_pool2d(x[0], tuple(p["kernel"]), stride=_stride(p), padding=tuple(p.get("padding", [0, 0])),
                          dilation=tuple(d or 1 for d in p.get("dilation", [1, 1])),
                          ceil_mode=p.get("ceil_mode", False), return_indices=True)
    return y, idx


def _avg_pool(x, p):
    return F.avg_pool2d(x[0], tuple(p["kernel"]), stride=_stride(p), padding=tuple(p.get("padding", [0, 0])),
                        ceil_mode=p.get("ceil_mode", False), count_include_pad=not p.get("exclude_pad", False),
                        divisor_override=p.get("divisor_override") or None)


def _unpool(x, p):
    out = p.get("output_size")
    if out is not None:
        out = list(x[0].shape[:-2]) + out
    return F.max_unpool2d(x[0], x[1].long(), tuple(p["kernel"]), stride=_stride(p),
                          padding=tuple(p.get("padding", [0, 0])), output_size=out)


def _interpolate(x, p):
    size = p.get("size")
    scale = p.get("scale")
    kw = {}
    if p.get("mode", "nearest") == "bilinear":
        kw["align_corners"] = p.get("align_corners", False)
    return F.interpolate(x[0], size=tuple(size) if size else None, scale_factor=tuple(scale) if scale else None,
                         mode=p.get("mode", "nearest"), **kw)


def _pad(x, p):
    # Go lists [before, after] per axis from the first; F.pad wants them
    # from the last axis. The non-constant modes pad the last 1, 2 or 3
    # axes: as many as reach the first nonzero width.
    ws = p["widths"]
    mode = p.get("mode", "constant")
    if mode != "constant":
        padded = [i for i, w in enumerate(ws) if w != [0, 0]]
        ws = ws[min(padded + [len(ws) - 1]):]
    flat = [v for pair in reversed(ws) for v in pair]
    if mode == "constant":
        return F.pad(x[0], flat, mode="constant", value=p.get("value", 0.0))
    # torch 1.13 takes k-D padding of (N, C, k axes) only: the leading axes
    # go to N (later versions take them as they are).
    k, shape = len(ws), x[0].shape
    y = F.pad(x[0].reshape(-1, 1, *shape[len(shape) - k:]), flat, mode=mode)
    return y.reshape(*shape[:len(shape) - k], *y.shape[2:])


OPS = {
    "MaxPool2DWith": _max_pool,
    "AvgPool2DWith": _avg_pool,
    "AdaptiveAvgPool2D": lambda x, p: F.adaptive_avg_pool2d(x[0], tuple(p["size"])),
    "AdaptiveMaxPool2D": lambda x, p: F.adaptive_max_pool2d(x[0], tuple(p["size"]), return_indices=True),
    "MaxUnpool2D": _unpool,
    "Interpolate": _interpolate,
    "PadWith": _pad,
    "Pad": _pad,
}


def pooled_indices(shape, kernel, stride, padding=(0, 0)):
    """Input spec: the indices of a max pooling (kernel, stride, padding) of
    a random tensor of the given shape, as float64: valid MaxUnpool2D
    input."""

    def draw(g, prev):
        z = torch.rand(shape, generator=g)
        _, idx = F.max_pool2d(z, tuple(kernel), stride=tuple(stride), padding=tuple(padding), return_indices=True)
        return idx.to(torch.float64)

    return draw


def build_cases(g):
    case, uniform, const, no_ties = g.case, g.uniform, g.const, g.no_ties

    # MaxPool2DWith: dilation, ceil mode, padding, odd sizes; the indices
    # are the second output.
    for label, shape, p in [
        ("ceil mode kernel 3 stride 2 [1 2 6 7]", (1, 2, 6, 7), {"kernel": [3, 3], "stride": [2, 2], "ceil_mode": True}),
        ("dilation 2 padding 1 [2 1 7 6]", (2, 1, 7, 6), {"kernel": [3, 2], "stride": [1, 2], "padding": [1, 1], "dilation": [2, 2]}),
        ("dilation 1 3 ceil padding 1 0 [1 3 8 9]", (1, 3, 8, 9),
         {"kernel": [2, 3], "stride": [2, 2], "padding": [1, 0], "dilation": [1, 3], "ceil_mode": True}),
        ("3-D input [2 5 5] kernel 2", (2, 5, 5), {"kernel": [2, 2]}),
    ]:
        case("MaxPool2DWith/" + label, "MaxPool2DWith", [uniform(-2, 2, *shape)], p, check=no_ties(0))

    # AvgPool2DWith: ceil mode windows past the edge, count_include_pad both
    # ways, divisor_override.
    for label, shape, p in [
        ("ceil include pad windows past the padding [1 2 8 5]", (1, 2, 8, 5),
         {"kernel": [3, 2], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True}),
        ("ceil exclude pad [2 1 8 5]", (2, 1, 8, 5),
         {"kernel": [3, 2], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True, "exclude_pad": True}),
        ("exclude pad kernel 3 padding 1 [1 2 5 6]", (1, 2, 5, 6), {"kernel": [3, 3], "stride": [1, 1], "padding": [1, 1], "exclude_pad": True}),
        ("divisor override 5 [1 2 6 5]", (1, 2, 6, 5), {"kernel": [2, 3], "stride": [2, 1], "padding": [1, 1], "divisor_override": 5}),
        ("ceil no padding odd [1 1 7 7] kernel 2", (1, 1, 7, 7), {"kernel": [2, 2], "ceil_mode": True}),
    ]:
        case("AvgPool2DWith/" + label, "AvgPool2DWith", [uniform(-2, 2, *shape)], p)

    for label, shape, size in [
        ("[1 2 7 5] to 3 4 overlapping", (1, 2, 7, 5), [3, 4]),
        ("[2 1 6 6] to 3 3 even", (2, 1, 6, 6), [3, 3]),
        ("[1 1 5 3] to 7 4 upsampling", (1, 1, 5, 3), [7, 4]),
        ("3-D [2 5 7] to 1 1", (2, 5, 7), [1, 1]),
    ]:
        case("AdaptiveAvgPool2D/" + label, "AdaptiveAvgPool2D", [uniform(-2, 2, *shape)], {"size": size})
        case("AdaptiveMaxPool2D/" + label, "AdaptiveMaxPool2D", [uniform(-2, 2, *shape)], {"size": size},
             check=no_ties(0))

    # MaxUnpool2D: the indices of a real max pooling.
    case("MaxUnpool2D/kernel 2 [1 2 3 3] from [1 2 6 6]", "MaxUnpool2D",
         [uniform(-2, 2, 1, 2, 3, 3), const(pooled_indices((1, 2, 6, 6), [2, 2], [2, 2]))], {"kernel": [2, 2]})
    case("MaxUnpool2D/output size 6 7 [1 2 3 3] from [1 2 6 7]", "MaxUnpool2D",
         [uniform(-2, 2, 1, 2, 3, 3), const(pooled_indices((1, 2, 6, 7), [2, 2], [2, 2]))],
         {"kernel": [2, 2], "output_size": [6, 7]})
    case("MaxUnpool2D/output size 7 7 [2 1 3 3] from [2 1 7 7]", "MaxUnpool2D",
         [uniform(-2, 2, 2, 1, 3, 3), const(pooled_indices((2, 1, 7, 7), [2, 2], [2, 2]))],
         {"kernel": [2, 2], "output_size": [7, 7]})
    # Overlapping windows: an index may repeat (the last write wins).
    case("MaxUnpool2D/kernel 3 2 stride 2 1 padding 1 overlapping [1 1 3 5]", "MaxUnpool2D",
         [uniform(-2, 2, 1, 1, 3, 5), const(pooled_indices((1, 1, 5, 4), [3, 2], [2, 1], [1, 1]))],
         {"kernel": [3, 2], "stride": [2, 1], "padding": [1, 1]})

    # Interpolate: nearest and bilinear, by size and by scale factor, with
    # and without align_corners.
    for label, shape, p in [
        ("nearest size 7 5 [1 2 3 4]", (1, 2, 3, 4), {"size": [7, 5]}),
        ("nearest scale 1.7 0.6 [1 1 5 6]", (1, 1, 5, 6), {"scale": [1.7, 0.6]}),
        ("nearest scale 2 3 [2 1 3 2]", (2, 1, 3, 2), {"scale": [2.0, 3.0]}),
        ("bilinear size 7 3 [1 2 4 5]", (1, 2, 4, 5), {"size": [7, 3], "mode": "bilinear"}),
        ("bilinear align corners size 6 9 [1 1 4 5]", (1, 1, 4, 5), {"size": [6, 9], "mode": "bilinear", "align_corners": True}),
        ("bilinear scale 1.5 2.25 [2 1 3 4]", (2, 1, 3, 4), {"scale": [1.5, 2.25], "mode": "bilinear"}),
        ("bilinear align corners scale 0.6 1.3 [1 2 5 5]", (1, 2, 5, 5), {"scale": [0.6, 1.3], "mode": "bilinear", "align_corners": True}),
        ("bilinear to 1 1 align corners [1 1 3 4]", (1, 1, 3, 4), {"size": [1, 1], "mode": "bilinear", "align_corners": True}),
    ]:
        case("Interpolate/" + label, "Interpolate", [uniform(-2, 2, *shape)], p)

    # PadWith: every mode, negative widths (cropping).
    for label, shape, p in [
        ("reflect [1 2 4 5]", (1, 2, 4, 5), {"widths": [[0, 0], [0, 0], [2, 3], [1, 4]], "mode": "reflect"}),
        ("reflect negative [2 1 5 4]", (2, 1, 5, 4), {"widths": [[0, 0], [0, 0], [-2, 1], [3, -1]], "mode": "reflect"}),
        ("replicate [1 1 3 4]", (1, 1, 3, 4), {"widths": [[0, 0], [0, 0], [2, 1], [0, 3]], "mode": "replicate"}),
        ("replicate negative [1 2 4 4]", (1, 2, 4, 4), {"widths": [[0, 0], [0, 0], [1, -2], [-1, 2]], "mode": "replicate"}),
        ("circular [1 1 3 4]", (1, 1, 3, 4), {"widths": [[0, 0], [0, 0], [3, 1], [2, 4]], "mode": "circular"}),
        ("circular negative [2 1 4 5]", (2, 1, 4, 5), {"widths": [[0, 0], [0, 0], [-1, 2], [1, -2]], "mode": "circular"}),
        ("constant value 0.5 negative [2 3 4]", (2, 3, 4), {"widths": [[0, 0], [-1, 2], [2, -3]], "value": 0.5}),
        ("constant 1-D [5]", (5,), {"widths": [[-2, 3]], "value": -1.5}),
        # 1-D and 3-D padding (ReflectionPad1d, ReplicationPad3d, ...), and
        # constant padding of a leading axis.
        ("reflect 1-D [2 3 7]", (2, 3, 7), {"widths": [[0, 0], [0, 0], [3, 2]], "mode": "reflect"}),
        ("reflect 1-D negative [1 2 6]", (1, 2, 6), {"widths": [[0, 0], [0, 0], [-2, 4]], "mode": "reflect"}),
        ("replicate 1-D [3 5]", (3, 5), {"widths": [[0, 0], [4, -1]], "mode": "replicate"}),
        ("replicate 3-D [1 2 3 4 3]", (1, 2, 3, 4, 3), {"widths": [[0, 0], [0, 0], [2, 1], [1, -1], [0, 3]], "mode": "replicate"}),
        ("reflect 3-D negative [1 3 4 5]", (1, 3, 4, 5), {"widths": [[0, 0], [1, -2], [-1, 2], [3, -1]], "mode": "reflect"}),
        ("circular 3 axes [2 3 4 5]", (2, 3, 4, 5), {"widths": [[0, 0], [2, -1], [1, 3], [-2, 2]], "mode": "circular"}),
        ("circular 1-D [2 2 4]", (2, 2, 4), {"widths": [[0, 0], [0, 0], [3, 4]], "mode": "circular"}),
        ("constant leading axis [3 2 4]", (3, 2, 4), {"widths": [[1, -2], [0, 0], [2, 1]], "value": 0.25}),
    ]:
        case("PadWith/" + label, "PadWith", [uniform(-2, 2, *shape)], p)

    # Pad with negative widths: cropping, as F.pad's constant mode.
    for label, shape, p in [
        ("negative [3 4]", (3, 4), {"widths": [[1, -1], [-2, 2]], "value": 0.5}),
        ("crop only [2 3 5]", (2, 3, 5), {"widths": [[0, -1], [-1, -1], [-2, 0]], "value": 0.0}),
        ("crop and pad one axis [4 3]", (4, 3), {"widths": [[-3, 2], [0, 0]], "value": -1.0}),
    ]:
        case("Pad/" + label, "Pad", [uniform(-2, 2, *shape)], p)
