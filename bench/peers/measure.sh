#!/usr/bin/env bash
# measure.sh OUTDIR: the side-by-side run bench/README.md reports since
# run n1, from the repository's root, as one command: the whole-model
# workloads beside PyTorch (torch_bench.py --models-only, with OpenBLAS's
# own build and its core forced as the script decides), then the
# data-parallel MLP on 1 and 2 workers and the seed article's step, each 5
# times. The machine's load is recorded before, between and after, in
# OUTDIR/uptime.txt. It needs a Python with torch and numpy (PYTHON,
# /usr/bin/python3 by default) and takes about four minutes.
set -euo pipefail
out=${1:?usage: bench/peers/measure.sh OUTDIR}
python=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/../.."
uptime >"$out/uptime.txt"
"$python" bench/peers/torch_bench.py --models-only --fetch-openblas --out "$out" --plot '' >"$out/torch_bench.log" 2>&1
uptime >>"$out/uptime.txt"
go test -run '^$' -bench '^BenchmarkParallelMLP$' -count 5 -cpu 2 ./bench/ >"$out/parallel.txt" 2>&1
go test -run '^$' -bench '^BenchmarkArticleStep$' -benchmem -count 5 -cpu 1 ./bench/ >"$out/article.txt" 2>&1
uptime >>"$out/uptime.txt"
