#!/usr/bin/python3
"""Trains a character-level model in PyTorch with exactly the protocol of our Trainer, for loss-curve parity.

README
    Run:  /usr/bin/python3 tools/pytorch_curve.py --init INIT.json [--text FILE] [--steps N] [--eval-every K]
              [--threads 1] [--lr X] [--clip X] [--batch B] [--seq-len T] [--val-fraction F] [--float64]
    Normally started by tools/compare-pytorch-curve.ts (node tools/run-ts.mjs tools/compare-pytorch-curve.ts), which
    writes INIT.json from our own initParameters() and trains our side on the same text. Needs Debian's
    python3-torch (1.13), importable only from /usr/bin/python3; exits 3 when torch cannot be imported.

INIT.json (written by compare-pytorch-curve.ts):
    spec      the ModelSpec (src-shared/model.ts): many-to-many, token input, classes output, dropout 0
    tensors   name, offset, shape of every tensor in our flat layout (workers/engine/layout.ts), cross-checked here
    size      floats in the flat vector
    params    the flat parameter vector (float32 values) in our layout
    settings  {batch, seqLen, lr, clip, steps, valFraction, beta1, beta2, eps, maxValidationChars?}
    text      path of the text file (the --text flag overrides it)
CLI flags override the settings. --float64 trains in float64 from the same (float32-valued) parameters, to size the
float32 rounding drift of either side.

The protocol (workers/data/text.ts textData + StreamBatcher, workers/engine/trainer.ts Trainer):
    text read as UTF-8 without newline translation; vocabulary = the sorted set of characters (JavaScript's default
    sort, i.e. by UTF-16 code units); the last floor(N·valFraction) characters are validation (optionally capped to
    their first maxValidationChars), the rest training. Training: B streams, stream b starts at b·L with
    L = floor((Ntrain − 1)/B); chunk k reads [k·T, k·T + T) of every stream with next-character targets; after
    floor((L − 1)/T) chunks the streams wrap to position 0 together and their carried state is zeroed. The hidden
    (and LSTM cell) state is carried across chunks, detached (truncated BPTT).
    One step: mean cross-entropy over all T·B outputs, backward, global-norm clip (clip_grad_norm_, when clip > 0),
    torch.optim.Adam(lr, betas, eps), no LR schedule, no weight decay, no dropout.
    Validation (Trainer.evaluate): Bv = max(1, min(B, floor((Nval − 1)/(T + 1)))) streams over the validation text,
    every chunk in order, state carried from zero, mean cross-entropy over all tokens.
Parameters map one-to-one (our layout is PyTorch's order; see tools/make_fixtures.py): embed ← embedding.weight,
l{k}.Wx/Wh/bx/bh ← weight_ih_l{k}/weight_hh_l{k}/bias_ih_l{k}/bias_hh_l{k}, head.Wy/by ← linear.weight/bias.

Output (stdout), one JSON line each:
    {"step":k,"loss":…,"gradNorm":…}   every step (loss before the update; gradNorm before clipping)
    {"step":k,"valLoss":…}             every --eval-every steps (0 = never) and after the last step
"""

import argparse
import os
import json
import sys

import torch_blas

RNN_NAMES = {'rnn': 'RNN', 'lstm': 'LSTM', 'gru': 'GRU'}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def emit(obj):
    print(json.dumps(obj, separators=(',', ':')), flush=True)


def align4(n):
    return (n + 3) & ~3


# ---- data: textData + StreamBatcher of workers/data/text.ts ---------------------------------------------------

def read_text(path):
    with open(path, encoding='utf-8', errors='replace', newline='') as f:
        return f.read()


def vocabulary_of(text):
    # JS [...new Set(chars)].sort() compares UTF-16 code units; big-endian UTF-16 bytes order the same way.
    return sorted(set(text), key=lambda ch: ch.encode('utf-16-be', 'surrogatepass'))


class StreamBatcher:
    def __init__(self, ids, B, T):
        self.ids, self.B, self.T = ids, B, T
        self.L = (len(ids) - 1) // B
        if self.L < T + 1:
            raise SystemExit(f'pytorch_curve: the text is too short for {B} streams of {T + 1} characters')
        self.chunks = (self.L - 1) // T
        self.position = 0

    def next(self):
        """(tokens (T, B), targets (T, B), restart) as lists; restart = all streams start over."""
        B, T, ids, L = self.B, self.T, self.ids, self.L
        restart = self.position == 0
        start = self.position * T
        tokens = [[ids[b * L + start + t] for b in range(B)] for t in range(T)]
        targets = [[ids[b * L + start + t + 1] for b in range(B)] for t in range(T)]
        self.position = (self.position + 1) % self.chunks
        return tokens, targets, restart


# ---- model -----------------------------------------------------------------------------------------------------

def build_model(torch, spec):
    nn = torch.nn
    inp, st, out = spec['input'], spec['stack'], spec['output']
    if spec['shape'] != 'many-to-many' or inp['vocabSize'] <= 0 or inp['featureSize'] != 0 or out['kind'] != 'classes':
        raise SystemExit('pytorch_curve: only many-to-many token → classes models (character-level text)')
    if st['bidirectional']:
        raise SystemExit('pytorch_curve: streamed text needs a unidirectional stack')

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(inp['vocabSize'], inp['embedSize'])
            self.rnn = getattr(nn, RNN_NAMES[st['cell']])(inp['embedSize'], st['hiddenSize'], num_layers=st['layers'])
            self.head = nn.Linear(st['hiddenSize'], out['size'])

        def slots(self):
            """(name, parameter) in our layout's order (layout.ts buildLayout)."""
            s = [('embed', self.embed.weight)]
            for k in range(st['layers']):
                s += [(f'l{k}.Wx', getattr(self.rnn, f'weight_ih_l{k}')), (f'l{k}.Wh', getattr(self.rnn, f'weight_hh_l{k}')),
                      (f'l{k}.bx', getattr(self.rnn, f'bias_ih_l{k}')), (f'l{k}.bh', getattr(self.rnn, f'bias_hh_l{k}'))]
            return s + [('head.Wy', self.head.weight), ('head.by', self.head.bias)]

        def forward(self, tokens, state):
            y, state = self.rnn(self.embed(tokens), state)  # time-major (T, B, H)
            return self.head(y).reshape(-1, out['size']), state  # rows t·B + b

    return Model()


def load_params(torch, model, doc):
    flat = doc['params']
    cursor = 0
    expected = {t['name']: t for t in doc.get('tensors', [])}
    with torch.no_grad():
        for name, p in model.slots():
            n = p.numel()
            t = expected.get(name)
            if expected and (t is None or t['offset'] != cursor or list(t['shape']) != list(p.shape)):
                raise SystemExit(f'pytorch_curve: layout mismatch at {name}: ours {t}, here offset {cursor} shape {list(p.shape)}')
            p.copy_(torch.tensor(flat[cursor:cursor + n], dtype=torch.float64).reshape(p.shape).to(torch.float32))
            cursor += align4(n)
    if cursor != doc.get('size', cursor) or cursor > len(flat):
        raise SystemExit(f'pytorch_curve: the flat vector has {len(flat)} floats, the layout needs {cursor}')


def zero_state(torch, cell, layers, B, H, dtype):
    z = torch.zeros(layers, B, H, dtype=dtype)
    return (z, z.clone()) if cell == 'lstm' else z


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


# ---- main ------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description='PyTorch training curve with the protocol of our Trainer (JSON lines).')
    ap.add_argument('--init', required=True, help='init JSON (spec, params, settings) from compare-pytorch-curve.ts')
    ap.add_argument('--text', help='text file (default: the init JSON\'s "text")')
    ap.add_argument('--steps', type=int)
    ap.add_argument('--eval-every', type=int, default=0, help='validation every K steps (0: only at the end)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--lr', type=float)
    ap.add_argument('--clip', type=float)
    ap.add_argument('--batch', type=int)
    ap.add_argument('--seq-len', type=int)
    ap.add_argument('--val-fraction', type=float)
    ap.add_argument('--float64', action='store_true', help='train in float64 from the same (float32-valued) parameters, to size float32 rounding effects')
    args = ap.parse_args()
    # torch.set_num_threads does not reach OpenBLAS's own pthread pool; pin it before torch is imported.
    for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(args.threads)

    torch_blas.clear_blas_overrides()  # PyTorch at its best (tools/torch_blas.py)
    torch_blas.keep_freed_memory()
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:
        log(f'pytorch_curve: cannot import torch ({e}). Run it with /usr/bin/python3 (Debian python3-torch).')
        return 3
    torch.set_num_threads(args.threads)
    blas = torch_blas.blas_info(torch)
    log(f'pytorch_curve: BLAS {torch_blas.describe(blas)}')
    if torch_blas.refusal(blas):
        log('pytorch_curve: ' + torch_blas.refusal(blas))
        return torch_blas.REFUSED_EXIT

    with open(args.init) as f:
        doc = json.load(f)
    s = dict(doc['settings'])
    for key, flag in (('steps', 'steps'), ('lr', 'lr'), ('clip', 'clip'), ('batch', 'batch'), ('seqLen', 'seq_len'), ('valFraction', 'val_fraction')):
        if getattr(args, flag) is not None:
            s[key] = getattr(args, flag)
    text_path = args.text or doc.get('text')
    if not text_path:
        raise SystemExit('pytorch_curve: no text file (--text)')
    spec = doc['spec']
    B, T, steps = int(s['batch']), int(s['seqLen']), int(s['steps'])

    text = read_text(text_path)
    vocab = vocabulary_of(text)
    if len(vocab) != spec['input']['vocabSize']:
        raise SystemExit(f'pytorch_curve: the text has {len(vocab)} characters, the spec {spec["input"]["vocabSize"]}')
    index = {c: i for i, c in enumerate(vocab)}
    ids = [index[c] for c in text]
    n_val = max(0, int(len(ids) * s['valFraction']))  # floor (non-negative)
    train_ids, val_ids = ids[:len(ids) - n_val], ids[len(ids) - n_val:]
    if s.get('maxValidationChars') and len(val_ids) > s['maxValidationChars']:
        val_ids = val_ids[:s['maxValidationChars']]
    train = StreamBatcher(train_ids, B, T)
    log(f'pytorch_curve: torch {torch.__version__}, {torch.get_num_threads()} thread(s); {len(ids)} characters, '
        f'vocabulary {len(vocab)}, {len(train_ids)} training ({B} streams × {train.chunks} chunks of {T}), {len(val_ids)} validation')

    val_batches = []
    if len(val_ids) > T + 1:
        Bv = max(1, min(B, (len(val_ids) - 1) // (T + 1)))
        v = StreamBatcher(val_ids, Bv, T)
        for _ in range(v.chunks):
            tok, tgt, _ = v.next()
            val_batches.append((torch.tensor(tok), torch.tensor(tgt).reshape(-1)))

    torch.manual_seed(0)  # nothing random is drawn; for completeness
    model = build_model(torch, spec)
    load_params(torch, model, doc)
    dtype = torch.float64 if args.float64 else torch.float32
    model.to(dtype)
    st = spec['stack']
    opt = torch.optim.Adam(model.parameters(), lr=s['lr'], betas=(s['beta1'], s['beta2']), eps=s['eps'], weight_decay=0)

    def evaluate(step):
        model.eval()
        total, count = 0.0, 0
        state = None  # zero initial state, carried across chunks
        with torch.no_grad():
            for tok, tgt in val_batches:
                logits, state = model(tok, state)
                total += F.cross_entropy(logits, tgt, reduction='sum').item()
                count += tgt.numel()
        model.train()
        emit({'step': step, 'valLoss': total / count if count else float('nan')})

    state = None
    for step in range(1, steps + 1):
        tok, tgt, restart = train.next()
        if restart or state is None:
            state = zero_state(torch, st['cell'], st['layers'], B, st['hiddenSize'], dtype)
        logits, state = model(torch.tensor(tok), state)
        loss = F.cross_entropy(logits, torch.tensor(tgt).reshape(-1))
        loss.backward()
        state = detach(state)
        if s['clip'] > 0:
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), s['clip']).item()
        else:
            grad_norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters())).item()
        opt.step()
        opt.zero_grad()
        emit({'step': step, 'loss': loss.item(), 'gradNorm': grad_norm})
        if args.eval_every > 0 and step % args.eval_every == 0 and step != steps:
            evaluate(step)
    evaluate(steps)
    return 0


if __name__ == '__main__':
    sys.exit(main())
