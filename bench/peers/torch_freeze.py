"""PyTorch's frozen inference beside its eager no_grad forward pass.

Adjoint's MLP inference row evaluates a model prepared by layers.Freeze
(weights copied and packed once for the product); torch_workloads.py's
peer is the eager module under torch.no_grad(). This script times that
module (784-256-128-10, ReLU, batch 256, one thread) eagerly, after
torch.jit.freeze, and after torch.jit.optimize_for_inference, to show
whether PyTorch's own freezing changes the comparison. Run it with the
OpenBLAS that torch_bench.py uses (fetched by measure.sh):

  LD_LIBRARY_PATH=bench/peers/.openblas/usr/lib/x86_64-linux-gnu/openblas-pthread \\
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/peers/torch_freeze.py

It prints, three times over alternately, the median time per forward pass of
7 repeats of 400 calls; then the speed of PyTorch's products alone on the
three layers' shapes (torch.addmm, the bias added by the GEMM), against
which Adjoint's BenchmarkGemmPackedMLP and the kernel's peak (GEMM_TUNE=1
go test -run TuneKernel -v ./tensor/internal/gemm/) compare.
"""

import os
import statistics
import time

# One thread on every side: torch.set_num_threads does not reach OpenBLAS's
# own thread pool, which reads this when it loads.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
import torch  # noqa: E402 (after the variable OpenBLAS reads)


def median_us(f, x, calls=400, repeats=7):
    for _ in range(20):
        f(x)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(calls):
            f(x)
        times.append((time.perf_counter() - t) / calls)
    return statistics.median(times) * 1e6


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn
    m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
    x = torch.rand(256, 784)
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.script(m))
        optimized = torch.jit.optimize_for_inference(torch.jit.script(m))
        variants = (("eager no_grad", m), ("jit.freeze", frozen), ("optimize_for_inference", optimized))
        for _ in range(3):  # alternated, so that a change of load reaches each
            for name, f in variants:
                print("%-24s %8.1f us" % (name, median_us(f, x)))
        h = x
        for layer in (m[0], m[2], m[4]):
            w, b = layer.weight, layer.bias
            us = median_us(lambda h: torch.addmm(b, h, w.t()), h)
            n, k = w.shape
            print("addmm %dx%dx%d %13.1f us %6.1f GFLOP/s" % (h.shape[0], n, k, us, 2 * h.shape[0] * n * k / us / 1e3))
            h = torch.relu(layer(h))


if __name__ == "__main__":
    main()
