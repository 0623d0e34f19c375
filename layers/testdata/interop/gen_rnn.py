"""Interop cases for nn.RNN, nn.LSTM, nn.GRU and their cells: see gen.py.

config: kind (rnn, lstm, gru, rnn_cell, lstm_cell, gru_cell), input_size,
hidden_size, and for the sequence layers num_layers, bidirectional,
batch_first, bias, nonlinearity (rnn), states (the inputs after x are h0,
and c0 for lstm) and lengths (null, or one per batch row: the sequence runs
through pack_padded_sequence(enforce_sorted=False) and pad_packed_sequence
back to its full length). Outputs: the output sequence, h_n (and c_n); for
a cell h' (and c').
"""

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def seq_case(name, kind, input_size, hidden_size, steps, batch, num_layers=1, bidirectional=False,
             batch_first=False, bias=True, nonlinearity="tanh", states=False, lengths=None, dtype="F64"):
    d = 2 if bidirectional else 1
    config = {"kind": kind, "input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers,
              "bidirectional": bidirectional, "batch_first": batch_first, "bias": bias,
              "nonlinearity": nonlinearity, "states": states, "lengths": lengths}
    kwargs = {"num_layers": num_layers, "bidirectional": bidirectional, "batch_first": batch_first, "bias": bias}
    if kind == "rnn":
        kwargs["nonlinearity"] = nonlinearity

    def inputs(g):
        shape = (batch, steps, input_size) if batch_first else (steps, batch, input_size)
        xs = [torch.randn(*shape, generator=g)]
        if states:
            xs += [torch.randn(num_layers * d, batch, hidden_size, generator=g)
                   for _ in range(2 if kind == "lstm" else 1)]
        return xs

    def forward(m, xs):
        x = xs[0]
        hx = None
        if states:
            hx = (xs[1], xs[2]) if kind == "lstm" else xs[1]
        if lengths is not None:
            x = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out, h = m(x, hx)
        if lengths is not None:
            out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=steps)
        if kind == "lstm":
            return [out, h[0], h[1]]
        return [out, h]

    return {"name": name, "config": config, "module": lambda: MODULES[kind](input_size, hidden_size, **kwargs),
            "inputs": inputs, "forward": forward, "dtype": dtype}


def cell_case(name, kind, input_size, hidden_size, batch, nonlinearity="tanh"):
    config = {"kind": kind + "_cell", "input_size": input_size, "hidden_size": hidden_size,
              "nonlinearity": nonlinearity}

    def module():
        if kind == "rnn":
            return nn.RNNCell(input_size, hidden_size, nonlinearity=nonlinearity)
        return {"lstm": nn.LSTMCell, "gru": nn.GRUCell}[kind](input_size, hidden_size)

    def inputs(g):
        n = 3 if kind == "lstm" else 2
        return [torch.randn(batch, input_size, generator=g)] + \
            [torch.randn(batch, hidden_size, generator=g) for _ in range(n - 1)]

    def forward(m, xs):
        if kind == "lstm":
            h, c = m(xs[0], (xs[1], xs[2]))
            return [h, c]
        return [m(xs[0], xs[1])]

    return {"name": name, "config": config, "module": module, "inputs": inputs, "forward": forward}


def cases():
    return [
        seq_case("rnn_tanh", "rnn", 3, 4, steps=5, batch=2, states=True),
        seq_case("rnn_relu_2layers", "rnn", 3, 4, steps=4, batch=3, num_layers=2, nonlinearity="relu"),
        seq_case("rnn_nobias_bidirectional", "rnn", 2, 3, steps=4, batch=2, bidirectional=True, bias=False,
                 dtype="F32"),
        seq_case("lstm_2layers_bidirectional", "lstm", 3, 4, steps=5, batch=2, num_layers=2,
                 bidirectional=True, states=True),
        seq_case("lstm_lengths", "lstm", 3, 4, steps=6, batch=3, bidirectional=True, states=True,
                 lengths=[4, 6, 2]),
        seq_case("gru_bidirectional_batch_first", "gru", 3, 4, steps=5, batch=2, bidirectional=True,
                 batch_first=True, states=True, dtype="F32"),
        seq_case("gru_lengths_2layers", "gru", 2, 3, steps=5, batch=3, num_layers=2, bidirectional=True,
                 batch_first=True, lengths=[2, 5, 3]),
        cell_case("rnn_cell_relu", "rnn", 3, 4, batch=2, nonlinearity="relu"),
        cell_case("lstm_cell", "lstm", 3, 4, batch=2),
        cell_case("gru_cell", "gru", 3, 4, batch=2),
    ]
