"""The LSTM of issue 12 in PyTorch: bench/lstm_layer_test.go's workload.

nn.LSTM(64, 128) over 32 steps at batch 32 ([32, 32, 64], nn.LSTM's
default [L, N, in] layout), a Linear(128, 1) head on the last hidden
state, F.mse_loss, torch.optim.Adam (lr 1e-3): the model that
BenchmarkLSTMLayerStep runs with layers.LSTM. Its parameter names are the
ones the Go workload exports ("lstm.weight_ih_l0", "lstm.weight_hh_l0",
"lstm.bias_ih_l0", "lstm.bias_hh_l0", "head.weight", "head.bias"): both
LSTM biases exist and train on both sides, so the state_dict loads as it
is, with no reshaping.

torch_workloads.py builds it with seq_lstm_module below for its
"seq_lstm" workload (Workload.seq_lstm; bench/export_test.go exports the Go
side under that name), and torch_bench.py checks and times it there like
the other models: one thread, Adjoint's weights and batch, the step
Workload.step runs (F.mse_loss, backward, Adam, zero_grad). The lstm
workload (the LSTM written from ops) uses the same module. seq_lstm_loss
and seq_lstm_step are that step again, for this file's standalone smoke
test (main).
"""


def seq_lstm_module(torch, c):
    """nn.LSTM over the whole sequence and a Linear head on the last h, for
    the sizes c ({"steps", "batch", "input", "hidden", "out"})."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(c["input"], c["hidden"])
            self.head = nn.Linear(c["hidden"], c["out"])

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.head(h[-1])

    return Net()


def seq_lstm_loss(torch, module, x, y):
    """The step's loss: the MSE of the head's output on x [L, N, in]
    against y [N, out]."""
    return torch.nn.functional.mse_loss(module(x), y)


def seq_lstm_step(torch, module, opt, x, y):
    """One training step as a PyTorch user writes it; returns the loss
    before the update."""
    loss = seq_lstm_loss(torch, module, x, y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


def main():
    """Times the step alone on random data, one thread (no Adjoint file
    needed): python3 bench/peers/torch_seq_lstm.py. A smoke test only:
    torch then runs on whichever BLAS the process loads (Debian's torch
    may find the reference BLAS, many times slower); torch_bench.py, which
    loads OpenBLAS first, is the measurement."""
    import time
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    c = {"steps": 32, "batch": 32, "input": 64, "hidden": 128, "out": 1}
    module = seq_lstm_module(torch, c)
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    x = torch.randn(c["steps"], c["batch"], c["input"])
    y = torch.randn(c["batch"], c["out"])
    for _ in range(5):
        seq_lstm_step(torch, module, opt, x, y)
    times = []
    for _ in range(5):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 1.0:
            seq_lstm_step(torch, module, opt, x, y)
            n += 1
        times.append((time.perf_counter() - t0) / n)
    times.sort()
    print("seq_lstm: %.0f ns/step (median of 5, 1 thread, torch %s)" % (times[2] * 1e9, torch.__version__))


if __name__ == "__main__":
    main()
