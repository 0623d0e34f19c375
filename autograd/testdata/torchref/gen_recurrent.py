"""PyTorch reference cases of the recurrent family (optable_recurrent.go):
LSTMCellState, LSTMCellOutput and GRUCellState, the gate arithmetic of one
step of torch.nn.LSTMCell and torch.nn.GRUCell after their matrix products:
torchref_recurrent.json. Loaded by gen.py (see its family_modules).

The torch side writes each op's formula with the gates in PyTorch's order
(i, f, g, o for the LSTM, r, z, n for the GRU). The cases named "nn.LSTMCell"
and "nn.GRUCell" draw a cell's weights and its x, h (and c), compute the
pre-activations the way the cell does (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, or
gi and gh separately for the GRU) as the op's inputs, and assert that the
formula gives exactly what the cell itself returns: so the formulas, and the
Go ops checked against them, use the cells' gate order.

The LSTMCellOutput cases with "step" compose both LSTM ops, one whole step
from (gates, c): their outputs are h' and c'."""

import torch


def _lstm_state(gates, c):
    i, f, g, _ = gates.chunk(4, 1)
    return torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)


def _lstm_output(gates, c):
    o = gates.chunk(4, 1)[3]
    return torch.sigmoid(o) * torch.tanh(c)


def _lstm_output_op(x, p):
    if p.get("step"):
        c1 = _lstm_state(x[0], x[1])
        return _lstm_output(x[0], c1), c1
    return _lstm_output(x[0], x[1])


def _gru_state(gi, gh, h):
    ir, iz, inn = gi.chunk(3, 1)
    hr, hz, hn = gh.chunk(3, 1)
    r = torch.sigmoid(ir + hr)
    z = torch.sigmoid(iz + hz)
    n = torch.tanh(inn + r * hn)
    return n + z * (h - n)


OPS = {
    "LSTMCellState": lambda x, p: _lstm_state(x[0], x[1]),
    "LSTMCellOutput": _lstm_output_op,
    "GRUCellState": lambda x, p: _gru_state(x[0], x[1], x[2]),
}


def _close(got, want, what):
    assert torch.allclose(got, want, rtol=1e-12, atol=1e-14), \
        "%s: the formula differs from the cell by %g" % (what, (got - want).abs().max().item())


class _Cell:
    """A torch.nn.LSTMCell or GRUCell with weights, x, h and c drawn from
    the case's generator, and input specs that return its pre-activations
    and states. The first spec used (gates, or gi) draws everything."""

    def __init__(self, kind, n, inp, hid):
        self.kind, self.n, self.inp, self.hid = kind, n, inp, hid
        self.st = {}

    def _draw(self, g):
        cls = torch.nn.LSTMCell if self.kind == "lstm" else torch.nn.GRUCell
        cell = cls(self.inp, self.hid)
        with torch.no_grad():
            for prm in cell.parameters():
                prm.copy_(2 * torch.rand(prm.shape, generator=g) - 1)
        x = 2 * torch.rand(self.n, self.inp, generator=g) - 1
        h = 2 * torch.rand(self.n, self.hid, generator=g) - 1
        c = 2 * torch.rand(self.n, self.hid, generator=g) - 1
        gi = x @ cell.weight_ih.detach().T + cell.bias_ih.detach()
        gh = h @ cell.weight_hh.detach().T + cell.bias_hh.detach()
        self.st.update(cell=cell, x=x, h=h, c=c, gi=gi, gh=gh)

    def gates(self):
        def draw(g, prev):
            self._draw(g)
            return self.st["gi"] + self.st["gh"]
        return draw

    def gi(self):
        def draw(g, prev):
            self._draw(g)
            return self.st["gi"]
        return draw

    def take(self, key):
        return lambda g, prev: self.st[key]

    def cell_out(self):
        with torch.no_grad():
            if self.kind == "lstm":
                return self.st["cell"](self.st["x"], (self.st["h"], self.st["c"]))
            return self.st["cell"](self.st["x"], self.st["h"])


def build_cases(g):
    u = g.uniform

    op = "LSTMCellState"
    g.case(op + "/N 3, H 5", op, [u(-3, 3, 3, 20), u(-2, 2, 3, 5)])
    g.case(op + "/N 1, H 1, saturating gates", op, [u(-8, 8, 1, 4), u(-2, 2, 1, 1)])
    g.case(op + "/N 4, H 3, a constant c", op, [u(-3, 3, 4, 12), g.const(u(-2, 2, 4, 3))])
    cell = _Cell("lstm", 3, 4, 5)
    g.case(op + "/nn.LSTMCell(4, 5), N 3: gates from the cell's weights give its c'", op,
           [cell.gates(), cell.take("c")],
           check=lambda xs, cell=cell: _close(_lstm_state(xs[0], xs[1]), cell.cell_out()[1], "c'"))

    op = "LSTMCellOutput"
    g.case(op + "/N 3, H 5", op, [u(-3, 3, 3, 20), u(-2, 2, 3, 5)])
    g.case(op + "/N 2, H 2, a constant gates", op, [g.const(u(-3, 3, 2, 8)), u(-3, 3, 2, 2)])
    g.case(op + "/N 1, H 3, saturating gates and cell", op, [u(-8, 8, 1, 12), u(-6, 6, 1, 3)])
    cell = _Cell("lstm", 3, 4, 5)
    g.case(op + "/step: nn.LSTMCell(4, 5), N 3: LSTMCellState then LSTMCellOutput give its h' and c'", op,
           [cell.gates(), cell.take("c")], {"step": True},
           check=lambda xs, cell=cell: [_close(a, b, w) for a, b, w in
                                        zip(_lstm_output_op(xs, {"step": True}), cell.cell_out(), ("h'", "c'"))])
    cell = _Cell("lstm", 2, 3, 2)
    g.case(op + "/step: nn.LSTMCell(3, 2), N 2", op,
           [cell.gates(), cell.take("c")], {"step": True},
           check=lambda xs, cell=cell: [_close(a, b, w) for a, b, w in
                                        zip(_lstm_output_op(xs, {"step": True}), cell.cell_out(), ("h'", "c'"))])

    op = "GRUCellState"
    g.case(op + "/N 3, H 5", op, [u(-3, 3, 3, 15), u(-3, 3, 3, 15), u(-2, 2, 3, 5)])
    g.case(op + "/N 2, H 1, saturating gates", op, [u(-8, 8, 2, 3), u(-8, 8, 2, 3), u(-2, 2, 2, 1)])
    g.case(op + "/N 4, H 2, a constant h", op, [u(-3, 3, 4, 6), u(-3, 3, 4, 6), g.const(u(-2, 2, 4, 2))])
    cell = _Cell("gru", 3, 4, 5)
    g.case(op + "/nn.GRUCell(4, 5), N 3: gi and gh from the cell's weights give its h'", op,
           [cell.gi(), cell.take("gh"), cell.take("h")],
           check=lambda xs, cell=cell: _close(_gru_state(*xs), cell.cell_out(), "h'"))
