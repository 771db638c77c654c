# train.py — trains this bundle's Sequence Studio run with PyTorch, on one process or many (torchrun, DDP).
# Written by `seqstudio bundle` (from workers/bundle/python/ in the studio's source); do not edit in a bundle.
#
# The same run as the studio's: its seeded initial weights (weights.safetensors), its batches in the order it drew
# them (data.safetensors: the windows, tokens, masks, lengths and targets as the studio cut and normalised them),
# its dropout masks, optimiser, learning-rate schedule, global-norm clipping and truncated BPTT (bundle.json).
# With N processes each trains on a contiguous share of every batch (the studio's batch / N, the studio's own
# data-parallel split), its loss weighted by its share of the batch's loss weight, so that DDP's mean of the
# gradients is the gradient of the studio's loss over the whole batch: the curve is the studio's.
#
#   python3 train.py                        train (all the run's steps) into ./output
#   python3 train.py --check [K]            the first K steps (50) in one process, against the studio's metrics.jsonl
#   torchrun --standalone --nproc_per_node N train.py [--steps S]
#
# Writes OUT/metrics.jsonl in the studio's format (step, diagnostics, evaluation, checkpoint, done),
# OUT/checkpoint.safetensors (weights and optimiser moments, by the studio's tensor names) at each checkpoint and
# at the end, and OUT/result.json; `seqstudio import OUT` turns the folder into a run of the studio.

import argparse
import faulthandler
import json
import math
import os
import shutil
import sys
import time

try:
    import torch
    import torch.distributed as dist
except ModuleNotFoundError:
    sys.exit(f'{sys.executable} has no PyTorch: install it (pip install -r requirements.txt), or run the Python that has it '
             '(Debian: apt-get install python3-torch, then /usr/bin/python3 train.py)')

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import StudioModel, loss_sum, loss_weights  # noqa: E402
from studio_io import MetricsLog, read_metrics, read_safetensors, write_safetensors  # noqa: E402

# --check passes when every step's loss and global gradient norm are within ATOL + RTOL·|studio| of the studio's.
CHECK_RTOL = 1e-4
CHECK_ATOL = 1e-6


def parse_args():
    p = argparse.ArgumentParser(description="Train this bundle's Sequence Studio run with PyTorch (DDP with torchrun).")
    p.add_argument('--out', default=os.path.join(HERE, 'output'), help='output folder (default: output/ beside train.py)')
    p.add_argument('--steps', type=int, help="train this many steps (default: the run's own; at most the bundled batches)")
    p.add_argument('--check', nargs='?', const=50, type=int, metavar='K',
                   help="run the first K steps (default 50) in one process and compare loss and gradient norm with the studio's")
    p.add_argument('--dtype', choices=['float32', 'float64'], default='float32', help='arithmetic (the studio trains in float32)')
    p.add_argument('--device', default=None, help='cpu or cuda (default: cuda when available)')
    return p.parse_args()


# ================================================ the bundle's data ================================================


class BundleData:
    """The studio's batches from data.safetensors: unique batches stacked and padded, and the order it drew them in."""

    def __init__(self, bundle):
        self.meta = bundle['data']
        self.arrays, _ = read_safetensors(os.path.join(HERE, 'data.safetensors'))
        self.order = self.arrays['train.order'].to(torch.int64)
        self.mask_seeds = self.arrays.get('train.maskSeeds')

    def _batch(self, split, u):
        a = self.arrays
        T = int(a[f'{split}.steps'][u])
        B = int(a[f'{split}.batchSize'][u])
        Td = int(a[f'{split}.decoderSteps'][u]) if f'{split}.decoderSteps' in a else 0
        size = {'T': T, 'B': B, 'Td': Td}
        batch = {'steps': T, 'batchSize': B}
        if Td:
            batch['decoderSteps'] = Td
        for name, axes in self.meta['fields'].items():
            key = f'{split}.{name}'
            if key not in a:
                continue
            t = a[key][u]
            index = tuple(slice(0, size[ax]) if isinstance(ax, str) else slice(None) for ax in axes)
            batch[name] = t[index]
        return batch

    def train_batch(self, step):
        """The batch the studio drew at `step` (1-based), and per item whether its stream restarts there."""
        u = int(self.order[step - 1])
        batch = self._batch('train', u)
        restart = batch.pop('restart', None)
        return batch, restart

    def validation_batches(self):
        n = int(self.meta['validationBatches'])
        out = []
        for u in range(n):
            b = self._batch('val', u)
            b.pop('restart', None)
            out.append(b)
        return out

    def shard(self, batch, lo, hi):
        """Items [lo, hi) of a batch: every field sliced on its B axis."""
        out = {'steps': batch['steps'], 'batchSize': hi - lo}
        if 'decoderSteps' in batch:
            out['decoderSteps'] = batch['decoderSteps']
        for name, axes in self.meta['fields'].items():
            if name not in batch or name == 'restart':
                continue
            ax = axes.index('B')
            out[name] = batch[name].narrow(ax, lo, hi - lo)
        return out


def shard_range(B, rank, count):
    """Items [lo, hi) of a batch of B for process `rank` of `count` (the studio's shardRange: contiguous, ±1)."""
    return (B * rank) // count, (B * (rank + 1)) // count


# ================================================ schedule and optimiser ==========================================


def learning_rate_at(s, step):
    """The studio's learningRateAt: linear warm-up, then constant, cosine or linear decay to minLearningRate."""
    if s['warmupSteps'] > 0 and step <= s['warmupSteps']:
        return s['learningRate'] * step / s['warmupSteps']
    if s['decay'] == 'none':
        return s['learningRate']
    span = max(1, s['steps'] - s['warmupSteps'])
    progress = min(1.0, max(0.0, (step - s['warmupSteps']) / span))
    factor = 0.5 * (1 + math.cos(math.pi * progress)) if s['decay'] == 'cosine' else 1 - progress
    return s['minLearningRate'] + (s['learningRate'] - s['minLearningRate']) * factor


class StudioOptimizer:
    """
    The studio's optimisers (workers/engine/optimizers.ts, kernels ops.ts), element by element:
      adam / adamw  g' = g + λ·p (adam only); m = β1·m + (1−β1)·g'; v = β2·v + (1−β2)·g'²;
                    p ← p·(1 − lr·λ) (adamw only); p ← p − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + ε)
      sgd           g' = g + λ·p; buf = μ·buf + g'; p ← p − lr·buf
    (PyTorch's torch.optim.Adam, AdamW and SGD compute the same; written out so that it reads like the studio's.)
    """

    def __init__(self, params, s):
        self.params = list(params)
        self.s = s
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self, step, lr):
        s = self.s
        name = s['optimizer']
        wd = s['weightDecay']
        if name == 'sgd':
            for p, buf in zip(self.params, self.m):
                g = p.grad + wd * p
                buf.mul_(s['momentum']).add_(g)
                p.sub_(lr * buf)
            return
        b1, b2, eps = s['beta1'], s['beta2'], s['epsilon']
        step_size = lr / (1 - b1 ** step)
        inv_sqrt_bc2 = 1 / math.sqrt(1 - b2 ** step)
        decoupled = name == 'adamw'
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad if decoupled or wd == 0 else p.grad + wd * p
            m.mul_(b1).add_((1 - b1) * g)
            v.mul_(b2).add_((1 - b2) * g * g)
            if decoupled and wd != 0:
                p.mul_(1 - lr * wd)
            p.sub_(step_size * m / (v.sqrt() * inv_sqrt_bc2 + eps))


# ================================================ telemetry ========================================================


def gate_statistics(capture, cell, reduce):
    """Mean gate activation and fraction saturated (σ < 0.05 or > 0.95; tanh beyond ±0.95), per layer-direction."""
    out = []
    for c in capture:
        stack, layer, direction = c['tag']
        acts = c['acts']  # (T, B, G·H)
        H = acts.shape[2] // len(cell['gates'])
        for g, gate in enumerate(cell['gates']):
            a = acts[:, :, g * H:(g + 1) * H].to(torch.float64)
            sat = (a.abs() > 0.95) if cell['tanh'][g] else ((a < 0.05) | (a > 0.95))
            sums = reduce(torch.tensor([a.sum().item(), sat.sum().item(), float(a.numel())], dtype=torch.float64))
            out.append({'stack': stack, 'layer': layer, 'direction': direction, 'gate': gate,
                        'mean': (sums[0] / sums[2]).item() if sums[2] > 0 else 0.0,
                        'saturated': (sums[1] / sums[2]).item() if sums[2] > 0 else 0.0})
    return out


def gradient_flow(capture, scale, reduce):
    """
    ‖∂L/∂hₜ‖ over the whole batch per step, from the gradients the hooks kept (reverse: reported at T − 1 − s, as the
    studio does). A run the studio trained on several worker threads recorded this (and the gate statistics) over its
    first worker's share of the batch; here it is always the whole batch's, whatever the number of processes.
    """
    out = []
    for c in capture:
        stack, layer, direction = c['tag']
        T = c['T']
        sq = torch.zeros(T, dtype=torch.float64)
        for s, h in enumerate(c['hs']):
            if h.grad is not None:
                sq[T - 1 - s if direction == 1 else s] = (h.grad.to(torch.float64) * scale).pow(2).sum()
        sq = reduce(sq)
        out.append({'stack': stack, 'layer': layer, 'direction': direction, 'norms': sq.sqrt().tolist()})
    return out


def tensor_grad_norms(model, layout):
    return {t['name']: model.w(t['name']).grad.to(torch.float64).pow(2).sum().item() for t in layout}


def gate_grad_norms(model, bundle):
    """Per gate of each layer-direction: its rows of Wx, Wh, bx, bh (and its peephole row) together."""
    cell = bundle['cell']
    H = bundle['spec']['stack']['hiddenSize']
    out = []
    for t in bundle['layout']:
        if t['role'] != 'Wx':
            continue
        prefix = t['name'][:-2]
        for g, gate in enumerate(cell['gates']):
            ss = 0.0
            for role in ('Wx', 'Wh', 'bx', 'bh'):
                gr = model.w(prefix + role).grad
                ss += gr[g * H:(g + 1) * H].to(torch.float64).pow(2).sum().item()
            if gate in cell['peepholes']:
                ss += model.w(prefix + 'P').grad[cell['peepholes'].index(gate)].to(torch.float64).pow(2).sum().item()
            out.append({'stack': t['stack'], 'layer': t['layer'], 'direction': t['direction'], 'gate': gate, 'norm': math.sqrt(ss)})
    return out


# ================================================ evaluation ======================================================


@torch.no_grad()
def evaluate(model, bundle, batches, dtype, device):
    """Mean validation loss (weighted like the studio's) and the task metrics this bundle can compute."""
    spec = bundle['spec']
    ev = bundle['evaluation']
    loss_total, weight_total, right, counted, se, ae, n_values = 0.0, 0.0, 0, 0, 0.0, 0.0, 0
    carry = None
    for b in batches:
        b = to_device(dict(b), device, dtype)
        if bundle['data']['stateful'] and carry is not None:
            b['initialH'], b['initialC'] = carry
        y, h, c = model(b)
        if bundle['data']['stateful']:
            carry = (h, c)
        w = loss_weights(spec, b, model.per_step).to(device)
        ws = w.sum().item()
        if ws > 0:
            loss_total += loss_sum(spec, y, b, w).item()
            weight_total += ws
        keep = w > 0
        if spec['output']['kind'] == 'classes':
            target = b['targetClasses'].reshape(-1)
            right += ((y.argmax(1) == target) & keep).sum().item()
            counted += keep.sum().item()
        else:
            e = (y - b['targetValues'].reshape(y.shape).to(y.dtype))[keep].to(torch.float64) * ev.get('valueScale', 1.0)
            se += e.pow(2).sum().item()
            ae += e.abs().sum().item()
            n_values += e.numel()
    val_loss = loss_total / weight_total if weight_total > 0 else float('nan')
    metrics = {}
    if 'accuracy' in ev['metrics']:
        metrics['accuracy'] = right / counted if counted else 0.0
    if 'perplexity' in ev['metrics']:
        metrics['perplexity'] = math.exp(val_loss)
    if 'rmse' in ev['metrics'] and n_values:
        metrics['rmse'] = math.sqrt(se / n_values)
        metrics['mae'] = ae / n_values
    return val_loss, metrics


def to_device(batch, device, dtype):
    for k, v in batch.items():
        if torch.is_tensor(v):
            batch[k] = v.to(device=device, dtype=dtype) if v.is_floating_point() else v.to(device)
    return batch


# ================================================ training ========================================================


def main():
    args = parse_args()
    if hasattr(faulthandler, 'register') and hasattr(__import__('signal'), 'SIGUSR1'):
        faulthandler.register(__import__('signal').SIGUSR1)  # `kill -USR1 PID` prints where a process is stuck
    with open(os.path.join(HERE, 'bundle.json'), encoding='utf-8') as f:
        bundle = json.load(f)
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    if args.check is not None and world > 1:
        raise SystemExit('--check runs in one process: start it with python3, not torchrun')
    device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    if world > 1:
        dist.init_process_group('nccl' if device.type == 'cuda' else 'gloo')
        if device.type == 'cuda':
            device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', '0')))
            torch.cuda.set_device(device)
    dtype = torch.float64 if args.dtype == 'float64' else torch.float32
    torch.set_default_dtype(dtype)

    s = bundle['settings']
    spec = bundle['spec']
    data = BundleData(bundle)
    bundled = len(data.order)
    steps = args.check if args.check is not None else (args.steps or s['steps'])
    if not 1 <= steps <= bundled:
        raise SystemExit(f'{"--check" if args.check is not None else "--steps"} {steps}: the bundle holds the batches of steps 1..{bundled}')

    model = StudioModel(bundle)
    weights, _ = read_safetensors(os.path.join(HERE, 'weights.safetensors'))
    model.load_studio_weights(weights)
    model.to(device=device, dtype=dtype)
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    opt = StudioOptimizer([model.w(t['name']) for t in bundle['layout']], s)

    def reduce(t):
        """Sum over the processes (a float64 CPU tensor in, the same out)."""
        if world == 1:
            return t
        x = t.to(device)
        dist.all_reduce(x)
        return x.cpu()

    out_dir = args.out
    lead = rank == 0
    log = None
    if lead:
        os.makedirs(out_dir, exist_ok=True)
        if args.check is None:
            log = MetricsLog(os.path.join(out_dir, 'metrics.jsonl'))
            shutil.copy(os.path.join(HERE, 'bundle.json'), os.path.join(out_dir, 'bundle.json'))
    emit = log.append if log else (lambda e: None)

    val_batches = data.validation_batches() if lead and args.check is None else []

    def run_evaluation(step):
        model.eval()
        val_loss, metrics = evaluate(model, bundle, val_batches, dtype, device)
        emit({'type': 'evaluation', 'step': step, 'valLoss': val_loss, 'metrics': metrics})
        return val_loss, metrics

    def gathered_carry():
        """The state carried into the next batch (TBPTT) of the whole batch, (L·D, B, H), every share in item order."""
        if not bundle['data']['stateful'] or carry is None:
            return None
        h, c = (t.detach().to('cpu', torch.float32) for t in carry)
        if world > 1:  # every process takes part; process 0 writes
            parts = [None] * world
            dist.all_gather_object(parts, (h, c))
            h, c = torch.cat([p[0] for p in parts], 1), torch.cat([p[1] for p in parts], 1)
        return h, c

    def save_checkpoint(step, carried):
        tensors = {name: t.to(torch.float32) for name, t in model.studio_weights().items()}
        for t, m, v in zip(bundle['layout'], opt.m, opt.v):
            tensors['moment1.' + t['name']] = m.to(torch.float32)
            tensors['moment2.' + t['name']] = v.to(torch.float32)
        if carried is not None:  # so that a Continue in the studio carries the streams' state on, as it would have
            tensors['carryH'] = carried[0]
            if model.has_c:
                tensors['carryC'] = carried[1]
        path = os.path.join(out_dir, 'checkpoint.safetensors')
        log.flush()
        # the studio's data position after this step, so a Continue in the studio draws the batches that follow
        cursor = int(data.arrays['train.cursorAfter'][step - 1])
        write_safetensors(path, tensors, {'step': step, 'dataCursor': cursor, 'format': 'sequence-studio-bundle-checkpoint'})
        emit({'type': 'checkpoint', 'step': step, 'path': path})

    last_eval = None
    if lead and args.check is None:  # the studio evaluates before the first step
        last_eval = (0, *run_evaluation(0))
    carry = None
    per_step = model.per_step
    trained = 0.0
    records = []
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        model.train()
        full, restart = data.train_batch(step)
        B = full['batchSize']
        lo, hi = shard_range(B, rank, world)
        batch = to_device(data.shard(full, lo, hi), device, dtype)
        if bundle['data']['stateful'] and carry is not None:
            h, c = carry
            if restart is not None:
                keep = (restart[lo:hi] == 0).to(device=device, dtype=dtype).view(1, -1, 1)
                h, c = h * keep, c * keep
            batch['initialH'], batch['initialC'] = h, c
        diagnose = s['diagnosticsEvery'] > 0 and (step % s['diagnosticsEvery'] == 0 or step == 1) and args.check is None
        model.capture = [] if diagnose else None
        seeds = data.mask_seeds[step - 1].tolist() if data.mask_seeds is not None else None
        y, h, c = net(batch, mask_seeds=seeds, shard=(lo, hi, B))
        if bundle['data']['stateful']:
            carry = (h, c)
        w = loss_weights(spec, batch, per_step).to(device)
        W = loss_weights(spec, full, per_step).sum().item()  # the whole batch's loss weight
        local = loss_sum(spec, y, batch, w) if w.sum().item() > 0 else y.sum() * 0
        # DDP averages the gradients over the processes: scaled so that the mean is ∂(Σ over the batch / W)
        objective = local * (world / W) if W > 0 else local * 0
        for p in model.parameters():
            p.grad = None
        objective.backward()
        loss = reduce(torch.tensor([local.item()], dtype=torch.float64))[0].item() / W if W > 0 else 0.0
        grads = [p.grad for p in opt.params]
        grad_norm = math.sqrt(sum(g.to(torch.float64).pow(2).sum().item() for g in grads))
        if not math.isfinite(loss) or not math.isfinite(grad_norm):
            emit({'type': 'done', 'reason': 'diverged', 'step': step, 'message': f'training diverged at step {step}: non-finite {"loss" if not math.isfinite(loss) else "gradient"}'})
            if log:
                log.close()
            raise SystemExit(f'training diverged at step {step}')
        diagnostics = None
        if diagnose:
            diagnostics = {
                'type': 'diagnostics', 'step': step,
                'tensorNorms': [{'name': n, 'norm': math.sqrt(v)} for n, v in tensor_grad_norms(model, bundle['layout']).items()],
                'gateGradNorms': gate_grad_norms(model, bundle),
                'gradientFlow': gradient_flow(model.capture, 1.0 / world, reduce),
                'gates': gate_statistics(model.capture, bundle['cell'], reduce),
            }
        model.capture = None
        clip = s['clipNorm']
        clipped = clip > 0 and grad_norm > clip
        if clipped:
            scale = torch.tensor(clip / grad_norm, dtype=torch.float32).to(dtype)
            for g in grads:
                g.mul_(scale)
        lr = learning_rate_at(s, step)
        opt.step(step, lr)
        seconds = time.perf_counter() - t0
        trained += seconds
        records.append((step, loss, grad_norm))
        emit({'type': 'step', 'step': step, 'loss': loss, 'learningRate': lr, 'gradNorm': grad_norm,
              'gradNormClipped': clip if clipped else grad_norm, 'clipped': clipped,
              'tokensPerSecond': bundle['data']['tokensPerBatch'] / seconds if seconds > 0 else 0, 'seconds': trained})
        if diagnostics:
            emit(diagnostics)
        if lead and args.check is None and s['evaluateEvery'] > 0 and step % s['evaluateEvery'] == 0 and step < steps:
            last_eval = (step, *run_evaluation(step))
        if args.check is None and s['checkpointEvery'] > 0 and step % s['checkpointEvery'] == 0 and step < steps:
            carried = gathered_carry()
            if lead:
                save_checkpoint(step, carried)

    if args.check is not None:
        return check(records, steps)
    carried = gathered_carry()
    if lead:
        if last_eval is None or last_eval[0] != steps:
            last_eval = (steps, *run_evaluation(steps))
        save_checkpoint(steps, carried)
        emit({'type': 'done', 'reason': 'finished', 'step': steps})
        log.close()
        result = {
            'format': 'sequence-studio-bundle-result', 'version': 1, 'steps': steps, 'processes': world,
            'device': str(device), 'dtype': args.dtype, 'torch': torch.__version__, 'seconds': trained,
            'trainLoss': records[-1][1], 'valLoss': last_eval[1], 'metrics': last_eval[2],
        }
        with open(os.path.join(out_dir, 'result.json'), 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=2)
        print(f'{steps} steps on {world} process(es), {device}: train loss {records[-1][1]:.6f}, val loss {last_eval[1]:.6f}; wrote {out_dir}')
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
        # With PyTorch 1.13 a process sometimes hangs in the interpreter's own shutdown after this (a thread of the
        # gloo backend that never ends: seen here, one time in three). Everything is written: leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def check(records, steps):
    """Compares the first `steps` steps with the studio's metrics.jsonl; exit code 1 past the tolerance."""
    path = os.path.join(HERE, 'studio', 'metrics.jsonl')
    if not os.path.exists(path):
        raise SystemExit(f"{path} is missing: the bundle has no studio metrics to check against")
    studio = {}
    for e in read_metrics(path):
        if e['type'] == 'step':
            studio[int(e['step'])] = e
    missing = [step for step, _, _ in records if step not in studio]
    if missing:
        raise SystemExit(f'the studio recorded {len(studio)} steps; --check {steps} needs steps 1..{steps}')
    worst = {'loss': (0.0, 0, 0.0), 'gradNorm': (0.0, 0, 0.0)}
    ok = True
    for step, loss, grad_norm in records:
        for key, ours in (('loss', loss), ('gradNorm', grad_norm)):
            theirs = studio[step][key]
            diff = abs(ours - theirs)
            rel = diff / max(abs(theirs), 1e-30)
            if diff > worst[key][0]:
                worst[key] = (diff, step, rel)
            if diff > CHECK_ATOL + CHECK_RTOL * abs(theirs):
                ok = False
    print(f'--check: {steps} steps against the studio (tolerance |difference| ≤ {CHECK_ATOL:g} + {CHECK_RTOL:g}·|studio|)')
    for key, (diff, step, rel) in worst.items():
        print(f'  {key:8s} largest |difference| {diff:.3e} (relative {rel:.3e}) at step {step}')
    print(json.dumps({'type': 'check', 'steps': steps, 'ok': ok, 'maxLossDiff': worst['loss'][0], 'maxLossDiffStep': worst['loss'][1],
                      'maxGradNormDiff': worst['gradNorm'][0], 'maxGradNormDiffStep': worst['gradNorm'][1],
                      'maxLossRelDiff': worst['loss'][2], 'maxGradNormRelDiff': worst['gradNorm'][2], 'rtol': CHECK_RTOL, 'atol': CHECK_ATOL}))
    if not ok:
        print('--check FAILED: the PyTorch run does not follow the studio\'s past the tolerance', file=sys.stderr)
        return 1
    print('--check passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
