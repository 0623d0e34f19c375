"""PyTorch reference cases of the conv family's convolutions beyond Conv2D
(whose cases are in gen.py): Conv1D and ConvTranspose2D, each with groups.
gen.py loads this module (see family_modules there) and writes its cases to
torchref_conv.json; the Go side is torchRefExtConv in
autograd/torchref_conv_test.go.

Parameters are in the Go ops' conventions: a zero stride, dilation or
groups means 1, and ConvTranspose2D's pairs are (height, width).
"""

import torch.nn.functional as F


def _or1(v):
    if isinstance(v, (list, tuple)):
        return tuple(1 if d == 0 else d for d in v)
    return 1 if v == 0 else v


def _bias(x):
    return x[2] if len(x) > 2 else None


OPS = {
    "Conv1D": lambda x, p: F.conv1d(
        x[0], x[1], _bias(x), stride=_or1(p.get("stride", 1)), padding=p.get("padding", 0),
        dilation=_or1(p.get("dilation", 1)), groups=_or1(p.get("groups", 1))),
    "ConvTranspose2D": lambda x, p: F.conv_transpose2d(
        x[0], x[1], _bias(x), stride=_or1(p.get("stride", [1, 1])), padding=tuple(p.get("padding", [0, 0])),
        output_padding=tuple(p.get("output_padding", [0, 0])), groups=_or1(p.get("groups", 1)),
        dilation=_or1(p.get("dilation", [1, 1]))),
}


def build_cases(g):
    u, case, const = g.uniform, g.case, g.const
    # Conv1D: plain, strided and dilated, grouped, depthwise.
    case("Conv1D/basic bias [2 3 7] [4 3 3]", "Conv1D",
         [u(-1, 1, 2, 3, 7), u(-1, 1, 4, 3, 3), u(-1, 1, 4)])
    case("Conv1D/stride 2 padding 2 dilation 2 no bias [1 2 9] [3 2 2]", "Conv1D",
         [u(-1, 1, 1, 2, 9), u(-1, 1, 3, 2, 2)], {"stride": 2, "padding": 2, "dilation": 2})
    case("Conv1D/groups 2 padding 1 [2 4 6] [6 2 3]", "Conv1D",
         [u(-1, 1, 2, 4, 6), u(-1, 1, 6, 2, 3), u(-1, 1, 6)], {"padding": 1, "groups": 2})
    case("Conv1D/depthwise stride 2 padding 1 [2 3 8] [3 1 3]", "Conv1D",
         [u(-1, 1, 2, 3, 8), u(-1, 1, 3, 1, 3), u(-1, 1, 3)], {"stride": 2, "padding": 1, "groups": 3})
    case("Conv1D/constant input depthwise multiplier 2 [1 2 5] [4 1 2]", "Conv1D",
         [const(u(-1, 1, 1, 2, 5)), u(-1, 1, 4, 1, 2), u(-1, 1, 4)], {"groups": 2})

    # ConvTranspose2D: plain, strided with output padding, grouped and
    # dilated, output padding at the stride (below the dilation), depthwise.
    case("ConvTranspose2D/basic bias [1 2 3 3] [2 3 3 3]", "ConvTranspose2D",
         [u(-1, 1, 1, 2, 3, 3), u(-1, 1, 2, 3, 3, 3), u(-1, 1, 3)])
    case("ConvTranspose2D/stride 2 padding 1 output padding 1 [2 2 3 4] [2 3 3 3]", "ConvTranspose2D",
         [u(-1, 1, 2, 2, 3, 4), u(-1, 1, 2, 3, 3, 3), u(-1, 1, 3)],
         {"stride": [2, 2], "padding": [1, 1], "output_padding": [1, 1]})
    case("ConvTranspose2D/groups 2 dilation 2 no bias [2 4 3 3] [4 2 2 2]", "ConvTranspose2D",
         [u(-1, 1, 2, 4, 3, 3), u(-1, 1, 4, 2, 2, 2)], {"dilation": [2, 2], "groups": 2})
    case("ConvTranspose2D/output padding at the stride below the dilation [1 2 3 3] [2 2 2 2]", "ConvTranspose2D",
         [u(-1, 1, 1, 2, 3, 3), u(-1, 1, 2, 2, 2, 2), u(-1, 1, 2)],
         {"stride": [1, 2], "dilation": [2, 1], "output_padding": [1, 1]})
    case("ConvTranspose2D/depthwise stride 2 padding 1 [2 3 4 4] [3 1 3 3]", "ConvTranspose2D",
         [u(-1, 1, 2, 3, 4, 4), u(-1, 1, 3, 1, 3, 3), u(-1, 1, 3)],
         {"stride": [2, 2], "padding": [1, 1], "groups": 3})
    case("ConvTranspose2D/constant weight rectangular [1 2 2 3] [2 2 2 1]", "ConvTranspose2D",
         [u(-1, 1, 1, 2, 2, 3), const(u(-1, 1, 2, 2, 2, 1))], {"stride": [2, 3], "padding": [0, 1]})
