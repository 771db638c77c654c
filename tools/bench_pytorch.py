#!/usr/bin/python3
"""Times full training steps of the bench configurations (workers/engine/bench.ts) in PyTorch, float32, CPU.

README
    Run:  /usr/bin/python3 tools/bench_pytorch.py [--configs A,B,C,D,B-GRU,B-RNN] [--threads 1|2] [--seconds S]
    Needs Debian's python3-torch (1.13), which imports only from /usr/bin/python3, not from the `python3` first on
    PATH; exits 3 with a message on stderr when torch cannot be imported.
    With --threads 2 run it as  OMP_WAIT_POLICY=passive /usr/bin/python3 tools/bench_pytorch.py --threads 2
    (OpenMP's default active spin-waiting burns the other core between parallel regions; on a 2-core machine that
    makes every small op slower). The script sets OMP_WAIT_POLICY=passive itself when the caller has not set it,
    before torch is imported, so a plain invocation gets the same behaviour; an explicit caller value wins.

What one step is (the same work as benchTrainer in bench.ts):
    token configs (vocab > 0): nn.Embedding(V, V) → nn.LSTM/GRU/RNN(tanh) (layers, hidden; batch_first=False, i.e.
        time-major (T, B, ·)) → nn.Linear(H, V) on every step → cross-entropy over all T·B steps;
    numeric config D (vocab 0): one feature per step → the stack → nn.Linear(H, 1) on the last step → MSE;
    encoder–decoder config ATT: nn.Embedding(V, V) → GRU encoder; nn.Embedding(V, V) → GRU decoder from the
        encoder's final state, teacher-forced; Luong general attention written out as the trainer computes it
        (e = h·W_a s, softmax over the source, c = Σ a s, h̃ = tanh(W_c [c; h]), bias-free nn.Linear, batched
        matmuls) → nn.Linear(H, V) on every target step → cross-entropy over all Td·B target tokens;
    then loss.backward(), torch.optim.Adam(lr 1e-3).step(), zero_grad(). Fixed random batch, zero initial state.
Timing: warm-up steps (≥ 3, ≥ 0.3 s), then the median of 3 timed runs of ~S seconds (≥ 2 steps) each (default 1.5).

BLAS (tools/torch_blas.py): OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset before torch is imported (unless
SEQSTUDIO_KEEP_BLAS_ENV=1), so PyTorch runs at its best; the first output line says which BLAS, core and thread count
it ran with; on a reference BLAS the script refuses (exit 4) rather than time a 10-15x slower PyTorch.

Output (stdout): a pytorch-env line, then one JSON line per configuration, nothing else (diagnostics go to stderr):
    {"type":"pytorch-env","kind":"openblas","config":"OpenBLAS 0.3.21 …","core":"Cooperlake","threads":1,…}
    {"type":"pytorch-bench","config":"B","threads":1,"tokensPerSecond":…,"msPerStep":…,"gflops":…,"steps":…}
gflops uses stepFlops of bench.ts: 3 × the forward GEMM flops, 2·T·B·G·H·(In_l + H) per layer plus the head
2·rows·H·O (rows = T·B for token configs, B for D).
"""

import argparse
import json
import os
import sys
import time

import torch_blas

# Must precede the torch import: OpenMP reads it when the runtime starts.
os.environ.setdefault('OMP_WAIT_POLICY', 'passive')


def pin_blas_threads(threads):
    """torch.set_num_threads does not reach OpenBLAS's own pthread pool (Debian's torch calls libopenblas0-pthread
    for matmuls), so a "1-thread" run would still use every core inside BLAS (measured: C ran 20% faster with 2 cores
    busy). Pin the BLAS pools to the requested count before torch is imported."""
    for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(threads)

# Mirrors BENCH_CONFIGS in workers/engine/bench.ts.
BENCH_CONFIGS = [
    {'name': 'A', 'cell': 'lstm', 'layers': 1, 'hidden': 128, 'seqLen': 64, 'batch': 32, 'vocab': 65},
    {'name': 'B', 'cell': 'lstm', 'layers': 2, 'hidden': 256, 'seqLen': 64, 'batch': 32, 'vocab': 65},
    {'name': 'C', 'cell': 'lstm', 'layers': 2, 'hidden': 512, 'seqLen': 100, 'batch': 50, 'vocab': 65},
    {'name': 'D', 'cell': 'lstm', 'layers': 1, 'hidden': 64, 'seqLen': 50, 'batch': 64, 'vocab': 0},
    {'name': 'B-GRU', 'cell': 'gru', 'layers': 2, 'hidden': 256, 'seqLen': 64, 'batch': 32, 'vocab': 65},
    {'name': 'B-RNN', 'cell': 'rnn', 'layers': 2, 'hidden': 256, 'seqLen': 64, 'batch': 32, 'vocab': 65},
    {'name': 'ATT', 'cell': 'gru', 'layers': 1, 'hidden': 128, 'seqLen': 20, 'batch': 32, 'vocab': 65, 'attention': 'luong-general'},
]
GATES = {'rnn': 1, 'lstm': 4, 'gru': 3}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def step_flops(c):
    """stepFlops(layout, T, B) of bench.ts for benchSpec(c) (unidirectional)."""
    T, B, H, G = c['seqLen'], c['batch'], c['hidden'], GATES[c['cell']]
    in0 = c['vocab'] if c['vocab'] else 1
    f = 0
    for _stack in range(2 if 'attention' in c else 1):  # encoder, and the decoder (its input width is V too)
        for layer in range(c['layers']):
            inp = in0 if layer == 0 else H
            f += 2 * T * B * G * H * (inp + H)
    if 'attention' in c:  # Luong general, Ts = Td = T: keys, scores, context, combination (as bench.ts stepFlops)
        f += 2 * T * B * (H * H + T * H + T * H + 2 * H * H)
    rows = T * B if c['vocab'] else B
    out = c['vocab'] if c['vocab'] else 1
    f += 2 * rows * H * out
    return 3 * f


def make_model(torch, c):
    nn = torch.nn
    rnn_cls = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[c['cell']]
    V = c['vocab']

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(V, V) if V else None
            self.rnn = rnn_cls(V if V else 1, c['hidden'], num_layers=c['layers'])  # batch_first=False
            self.head = nn.Linear(c['hidden'], V if V else 1)

        def forward(self, x):
            if self.embed is not None:
                y, _ = self.rnn(self.embed(x))  # (T, B, H)
                return self.head(y).reshape(-1, V)  # rows t·B + b
            y, _ = self.rnn(x)
            return self.head(y[-1])  # (B, 1), last step

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            H = c['hidden']
            self.embed, self.dec_embed = nn.Embedding(V, V), nn.Embedding(V, V)
            self.enc = rnn_cls(V, H, num_layers=c['layers'])
            self.dec = rnn_cls(V, H, num_layers=c['layers'])
            self.Wa = nn.Linear(H, H, bias=False)
            self.Wc = nn.Linear(2 * H, H, bias=False)
            self.head = nn.Linear(H, V)

        def forward(self, x, y_in):
            s, hn = self.enc(self.embed(x))  # (Ts, B, H)
            h, _ = self.dec(self.dec_embed(y_in), hn)  # (Td, B, H)
            q, m = h.transpose(0, 1), s.transpose(0, 1)  # (B, Td, H), (B, Ts, H)
            a = torch.softmax(q @ self.Wa(m).transpose(1, 2), dim=2)  # (B, Td, Ts)
            ht = torch.tanh(self.Wc(torch.cat([a @ m, q], dim=2)))  # (B, Td, H)
            return self.head(ht.transpose(0, 1)).reshape(-1, V)  # rows t·B + b

    return Seq2Seq() if 'attention' in c else Model()


def bench(torch, c, threads, seconds, repeats=3):
    F = torch.nn.functional
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(1)
    T, B, V = c['seqLen'], c['batch'], c['vocab']
    model = make_model(torch, c)
    if 'attention' in c:
        x = torch.randint(V, (T, B), generator=g)
        y_in = torch.randint(V, (T, B), generator=g)
        target = torch.randint(V, (T * B,), generator=g)
        loss_fn = lambda out: F.cross_entropy(out, target)  # noqa: E731
        forward = lambda: model(x, y_in)  # noqa: E731
    elif V:
        x = torch.randint(V, (T, B), generator=g)
        target = torch.randint(V, (T * B,), generator=g)
        loss_fn = lambda out: F.cross_entropy(out, target)  # noqa: E731
    else:
        x = torch.randn(T, B, 1, generator=g)
        target = torch.randn(B, 1, generator=g)
        loss_fn = lambda out: F.mse_loss(out, target)  # noqa: E731
    if 'attention' not in c:
        forward = lambda: model(x)  # noqa: E731
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def run():
        loss = loss_fn(forward())
        loss.backward()
        opt.step()
        opt.zero_grad()

    # Warm-up (allocator, OpenMP pool, first-call paths): at least 3 steps and ~0.3 s; the fastest warm-up step
    # sizes the timed runs (at least 2 steps each).
    warm, t_start = [], time.perf_counter()
    while len(warm) < 3 or time.perf_counter() - t_start < 0.3:
        t0 = time.perf_counter()
        run()
        warm.append(time.perf_counter() - t0)
    steps = max(2, round(seconds / min(warm)))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            run()
        times.append((time.perf_counter() - t0) / steps)
    times.sort()
    s = times[len(times) // 2]
    log(f'{c["name"]}: runs {", ".join(f"{t * 1000:.2f}" for t in times)} ms/step ({steps} steps each)')
    return {
        'type': 'pytorch-bench',
        'config': c['name'],
        'threads': threads,
        'tokensPerSecond': T * B / s,
        'msPerStep': s * 1000,
        'gflops': step_flops(c) / s / 1e9,
        'steps': steps,
    }


def main():
    ap = argparse.ArgumentParser(description='PyTorch CPU timings of the bench configurations (one JSON line each).')
    ap.add_argument('--configs', default=','.join(c['name'] for c in BENCH_CONFIGS), help='comma-separated names (default: all)')
    ap.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default 1)')
    ap.add_argument('--seconds', type=float, default=1.5, help='length of each of the 3 timed runs (default 1.5)')
    args = ap.parse_args()
    pin_blas_threads(args.threads)

    by_name = {c['name']: c for c in BENCH_CONFIGS}
    names = [n.strip() for n in args.configs.split(',') if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        log(f'bench_pytorch: unknown config(s) {", ".join(unknown)}; known: {", ".join(by_name)}')
        return 2
    if args.threads < 1:
        log('bench_pytorch: --threads must be ≥ 1')
        return 2

    caller = torch_blas.clear_blas_overrides()
    torch_blas.keep_freed_memory()
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install
        log(f'bench_pytorch: cannot import torch ({e}). Run it with /usr/bin/python3 (Debian python3-torch), '
            'not the python3 first on PATH.')
        return 3

    torch.set_num_threads(args.threads)
    info = torch_blas.blas_info(torch)
    info['callerHad'] = caller
    print(json.dumps({'type': 'pytorch-env', **info}, separators=(',', ':')), flush=True)
    log(f'bench_pytorch: torch {torch.__version__}, {torch.get_num_threads()} thread(s), '
        f'OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY")}, BLAS {torch_blas.describe(info)}')
    refused = torch_blas.refusal(info)
    if refused:
        log('bench_pytorch: ' + refused)
        return torch_blas.REFUSED_EXIT
    for n in names:
        print(json.dumps(bench(torch, by_name[n], args.threads, args.seconds), separators=(',', ':')), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
