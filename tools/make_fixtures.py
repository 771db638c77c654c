#!/usr/bin/python3
"""Writes the PyTorch reference fixtures in workers/engine/fixtures/*.json.

README
    Run:  npm run fixtures        (= /usr/bin/python3 tools/make_fixtures.py)
    Needs Debian's python3-torch (1.13), which imports only from /usr/bin/python3, not from the `python3` first on
    PATH. Deterministic (seeded, one thread); re-running rewrites the same files. The JSON files are committed.

What a fixture holds (read by workers/engine/fixtures.ts, checked by workers/engine/reference.pytorch.test.ts):
    spec         the ModelSpec (src-shared/model.ts) of the model built here with nn.Embedding, nn.RNN/LSTM/GRU
                 (batch_first=False) and nn.Linear
    tensors      name, offset, shape of every tensor in OUR flat layout (workers/engine/layout.ts), for a cross-check
    params       the flat parameter vector in our layout (float32 values)
    batch        the Batch (workers/engine/batch.ts), time-major
    outputs      head outputs (N, O) as rows; outputMask (N) marks rows to compare (padded steps of a packed sequence
                 are zeros in PyTorch but keep running in our semantics, so they are not compared)
    loss, grads  PyTorch's mean loss and d loss / d params in our flat layout (float32 run)
    float64      the same outputs / loss / grads from the same (float32-valued) parameters run in float64
    adam*        20 steps of torch.optim.Adam (lr 1e-2, default betas, eps 1e-8) on this batch, float32:
                 adamLosses[k] is the loss before step k + 1; adamParams the parameters after the 20 steps.
Every number is written as a float64 with full (round-trip) precision.

Our layout is the identity mapping of PyTorch's tensors (same gate order: LSTM i f g o, GRU r z n; separate input
and recurrent biases): embed ← embedding.weight, l{k}[r].Wx ← weight_ih_l{k}[_reverse], .Wh ← weight_hh, .bx ←
bias_ih, .bh ← bias_hh, head.Wy / head.by ← linear.weight / .bias; each tensor starts on a multiple of 4 floats.
Variable lengths use pack_padded_sequence, whose reverse direction reads each sequence backwards within its own
length, as batch.ts defines.

The peephole LSTM (Gers & Schmidhuber 2000) has no torch.nn module: PeepholeLSTM below writes it out by hand with
torch operations, with nn.LSTM's parameter names and gate order plus weight_peep_l{k}[_reverse] (3, H), rows i, f, o
(our l{k}[r].P); it runs every sequence all T steps and the reverse direction backwards within each sequence's length,
as batch.ts defines (padded steps are not compared).

Attention (src-shared/attention.ts) has no torch.nn module for Luong's or Bahdanau's equations with our placement:
Attention below writes them out with nn.Linear layers without bias (att.Wa, att.Wq, att.Wk, att.Wc ← their .weight)
and a vector parameter v (att.v), over the encoder's top outputs (both directions concatenated) with the decoder's
top outputs as queries; padded source positions are masked out of the softmax (masked_fill −inf), so PyTorch's zero
padding of a packed encoder output and our running padded steps give the same numbers.

Input feeding (Luong §3.3, spec inputFeeding): the decoder's input at step t is [embedding(y_{t−1}) ; h̃_{t−1}] with
h̃_0 = 0, so Model runs the decoder one step at a time (its weight_ih_l0 is (G·H, E + H), embedding columns first)
and attends after each step. `python make_fixtures.py --input-feeding` writes only those fixtures (*-feed-ce.json),
leaving the others as they are.
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'workers', 'engine', 'fixtures')
ADAM = {'learningRate': 1e-2, 'beta1': 0.9, 'beta2': 0.999, 'epsilon': 1e-8, 'steps': 20}
class PeepholeLSTM(nn.Module):
    """An LSTM whose input and forget gates also read c(t-1), and whose output gate reads c(t), each through a
    diagonal weight: i = σ(Wx_i x + bx_i + Wh_i h' + bh_i + p_i ⊙ c'), f likewise with p_f, g = tanh(…),
    c = f ⊙ c' + i ⊙ g, o = σ(… + p_o ⊙ c), h = o ⊙ tanh(c). Initialised as nn.LSTM is, U(−1/√H, 1/√H)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False):
        super().__init__()
        self.H, self.L, self.D = hidden_size, num_layers, 2 if bidirectional else 1
        k = hidden_size ** -0.5
        for l in range(num_layers):
            In = input_size if l == 0 else hidden_size * self.D
            for d in range(self.D):
                sfx = '_reverse' if d == 1 else ''
                for name, shape in (('weight_ih', (4 * hidden_size, In)), ('weight_hh', (4 * hidden_size, hidden_size)),
                                    ('bias_ih', (4 * hidden_size,)), ('bias_hh', (4 * hidden_size,)), ('weight_peep', (3, hidden_size))):
                    setattr(self, f'{name}_l{l}{sfx}', nn.Parameter(torch.empty(shape).uniform_(-k, k)))

    def forward(self, x, hc=None, lengths=None):
        """x (T, B, X) → y (T, B, D·H) and (h_n, c_n) (L·D, B, H) at each sequence's last valid step."""
        T, B = x.shape[0], x.shape[1]
        lengths = lengths if lengths is not None else [T] * B
        H = self.H
        hn, cn = [], []
        for l in range(self.L):
            ys = []
            for d in range(self.D):
                sfx = '_reverse' if d == 1 else ''
                Wx, Wh = getattr(self, f'weight_ih_l{l}{sfx}'), getattr(self, f'weight_hh_l{l}{sfx}')
                bx, bh, P = getattr(self, f'bias_ih_l{l}{sfx}'), getattr(self, f'bias_hh_l{l}{sfx}'), getattr(self, f'weight_peep_l{l}{sfx}')
                k = l * self.D + d
                h = hc[0][k] if hc is not None else x.new_zeros(B, H)
                c = hc[1][k] if hc is not None else x.new_zeros(B, H)
                out = [None] * T
                h_fin, c_fin = [None] * B, [None] * B
                for s in range(T):
                    # position s of this direction reads step π_b(s): s forward; within each length backwards
                    t_of = [(lengths[b] - 1 - s if s < lengths[b] else s) if d == 1 else s for b in range(B)]
                    xs = torch.stack([x[t_of[b], b] for b in range(B)])
                    a = xs @ Wx.t() + bx + h @ Wh.t() + bh
                    ai, af, ag, ao = a.split(H, dim=1)
                    i = torch.sigmoid(ai + P[0] * c)
                    f = torch.sigmoid(af + P[1] * c)
                    g = torch.tanh(ag)
                    c = f * c + i * g
                    o = torch.sigmoid(ao + P[2] * c)
                    h = o * torch.tanh(c)
                    for b in range(B):
                        out[t_of[b]] = out[t_of[b]] or {}
                        out[t_of[b]][b] = h[b]
                        if s == lengths[b] - 1:
                            h_fin[b], c_fin[b] = h[b], c[b]
                ys.append(torch.stack([torch.stack([out[t][b] for b in range(B)]) for t in range(T)]))  # (T, B, H)
                hn.append(torch.stack(h_fin))
                cn.append(torch.stack(c_fin))
            x = torch.cat(ys, dim=2)
        return x, (torch.stack(hn), torch.stack(cn))


class Attention(nn.Module):
    """e_tj = h_t·s_j (luong-dot) | h_t·W_a s_j (luong-general) | v·tanh(W_q h_t + W_k s_j) (bahdanau); a = softmax_j
    over j < len; c_t = Σ_j a_tj s_j; h̃_t = tanh(W_c [c_t ; h_t])."""

    def __init__(self, kind, Hd, S):
        super().__init__()
        self.kind = kind
        if kind == 'luong-general':
            self.Wa = nn.Linear(S, Hd, bias=False)
        if kind == 'bahdanau':
            self.Wq = nn.Linear(Hd, Hd, bias=False)
            self.Wk = nn.Linear(S, Hd, bias=False)
            self.v = nn.Parameter(torch.empty(Hd).uniform_(-Hd ** -0.5, Hd ** -0.5))
        self.Wc = nn.Linear(S + Hd, Hd, bias=False)

    def slots(self):
        names = {'luong-dot': (), 'luong-general': ('Wa',), 'bahdanau': ('Wq', 'Wk', 'v')}[self.kind] + ('Wc',)
        return [(f'att.{n}', getattr(self, n) if n == 'v' else getattr(self, n).weight) for n in names]

    def forward(self, h, s, lengths):
        """h (Td, B, Hd) decoder top outputs, s (Ts, B, S) encoder top outputs, lengths (B) → h̃ (Td, B, Hd)."""
        q, m = h.transpose(0, 1), s.transpose(0, 1)  # (B, Td, Hd), (B, Ts, S)
        if self.kind == 'luong-dot':
            e = q @ m.transpose(1, 2)
        elif self.kind == 'luong-general':
            e = q @ self.Wa(m).transpose(1, 2)
        else:
            e = torch.tanh(self.Wq(q).unsqueeze(2) + self.Wk(m).unsqueeze(1)) @ self.v  # (B, Td, Ts)
        Ts = m.shape[1]
        pad = torch.arange(Ts)[None, :] >= torch.tensor(lengths)[:, None]  # (B, Ts)
        a = torch.softmax(e.masked_fill(pad[:, None, :], float('-inf')), dim=2)
        c = a @ m  # (B, Td, S)
        return torch.tanh(self.Wc(torch.cat([c, q], dim=2))).transpose(0, 1)


RNNS = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU, 'peephole': PeepholeLSTM}

torch.set_num_threads(1)


def align4(n):
    return (n + 3) & ~3


# ---- the model, as PyTorch people would write it ---------------------------------------------------------------

class Model(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        inp, st = spec['input'], spec['stack']
        self.D = 2 if st['bidirectional'] else 1
        self.embed = nn.Embedding(inp['vocabSize'], inp['embedSize']) if inp['vocabSize'] > 0 else None
        in0 = (inp['embedSize'] if inp['vocabSize'] > 0 else 0) + inp['featureSize']
        RNN = RNNS[st['cell']]
        self.rnn = RNN(in0, st['hiddenSize'], num_layers=st['layers'], bidirectional=st['bidirectional'])
        head_in = st['hiddenSize'] * self.D
        if spec['shape'] == 'encoder-decoder':
            dec = spec['decoder']
            self.dec_embed = nn.Embedding(dec['vocabSize'], dec['embedSize'])
            self.feed = spec.get('inputFeeding', False) and spec.get('attention', 'none') != 'none'
            self.dec = RNN(dec['embedSize'] + (st['hiddenSize'] if self.feed else 0), st['hiddenSize'], num_layers=st['layers'])
            head_in = st['hiddenSize']
            kind = spec.get('attention', 'none')
            self.att = Attention(kind, st['hiddenSize'], self.D * st['hiddenSize']) if kind != 'none' else None
        self.head = nn.Linear(head_in, spec['output']['size'])

    def slots(self):
        """(name, torch parameter) in our layout's order (layout.ts buildLayout)."""
        out = []
        if self.embed is not None:
            out.append(('embed', self.embed.weight))
        st = self.spec['stack']

        def stack(prefix, rnn, D):
            for k in range(st['layers']):
                for d in range(D):
                    sfx = '_reverse' if d == 1 else ''
                    p = f"{prefix}l{k}{'r' if d == 1 else ''}."
                    out.append((p + 'Wx', getattr(rnn, f'weight_ih_l{k}{sfx}')))
                    out.append((p + 'Wh', getattr(rnn, f'weight_hh_l{k}{sfx}')))
                    out.append((p + 'bx', getattr(rnn, f'bias_ih_l{k}{sfx}')))
                    out.append((p + 'bh', getattr(rnn, f'bias_hh_l{k}{sfx}')))
                    if isinstance(rnn, PeepholeLSTM):
                        out.append((p + 'P', getattr(rnn, f'weight_peep_l{k}{sfx}')))

        stack('', self.rnn, self.D)
        if self.spec['shape'] == 'encoder-decoder':
            out.append(('dec.embed', self.dec_embed.weight))
            stack('dec.', self.dec, 1)
            if self.att is not None:
                out.extend(self.att.slots())
        out.append(('head.Wy', self.head.weight))
        out.append(('head.by', self.head.bias))
        return out

    def run(self, rnn, x, lengths, h0=None):
        """x (T, B, X) → per-step output (T, B, D·H) and final states; packed when lengths vary."""
        T = x.shape[0]
        if isinstance(rnn, PeepholeLSTM):
            return rnn(x, h0, lengths)
        packed = lengths is not None and min(lengths) < T
        if packed:
            x = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
        y, hn = rnn(x, h0)
        if packed:
            y, _ = pad_packed_sequence(y, total_length=T)
        return y, hn

    def forward(self, b):
        spec = self.spec
        parts = []
        if self.embed is not None:
            parts.append(self.embed(b['tokens']))
        if 'features' in b:
            parts.append(b['features'].to(self.head.weight.dtype))
        x = torch.cat(parts, dim=2)  # (T, B, E + F)
        y, hn = self.run(self.rnn, x, b.get('lengths'))
        shape = spec['shape']
        if shape == 'encoder-decoder':
            L, H = spec['stack']['layers'], spec['stack']['hiddenSize']
            bridge = lambda s: s.view(L, self.D, s.shape[1], H).sum(dim=1)  # noqa: E731  Σ over directions
            h0 = tuple(bridge(s) for s in hn) if isinstance(hn, tuple) else bridge(hn)
            enc = y
            src_lengths = b.get('lengths') or [x.shape[0]] * x.shape[1]
            if self.feed:
                # input feeding: one decoder step at a time, h̃_{t−1} concatenated to the embedding (zeros first)
                xd = self.dec_embed(b['decoderTokens'])  # (Td, B, E)
                prev, state, ys = xd.new_zeros(xd.shape[1], H), h0, []
                for t in range(xd.shape[0]):
                    yt, state = self.dec(torch.cat([xd[t:t + 1], prev[None]], dim=2), state)
                    ht = self.att(yt, enc, src_lengths)  # (1, B, H)
                    ys.append(ht)
                    prev = ht[0]
                y = torch.cat(ys, dim=0)
            else:
                y, hn = self.run(self.dec, self.dec_embed(b['decoderTokens']), b.get('decoderLengths'), h0)
                if self.att is not None:
                    y = self.att(y, enc, src_lengths)
        if shape in ('many-to-many', 'one-to-many', 'encoder-decoder'):
            hin = y  # (T, B, D·H)
        else:
            h = hn[0] if isinstance(hn, tuple) else hn  # (L·D, B, H)
            hin = torch.cat([h[-self.D + d] for d in range(self.D)], dim=1)  # (B, D·H) [fwd final | bwd final]
        out = self.head(hin)
        O = spec['output']['size']
        out = out.reshape(-1, O)  # rows t·B + b (time-major) or b
        if spec['output']['kind'] == 'classes':
            loss = F.cross_entropy(out, b['targetClasses'].reshape(-1), ignore_index=-100)
        else:
            loss = F.mse_loss(out, b['targetValues'].to(out.dtype).reshape(-1, O))
        return out, loss


# ---- flat layout ----------------------------------------------------------------------------------------------

def layout_of(model):
    tensors, cursor = [], 0
    for name, p in model.slots():
        tensors.append({'name': name, 'offset': cursor, 'shape': list(p.shape)})
        cursor += align4(p.numel())
    return tensors, cursor


def flatten(model, values, size):
    flat = [0.0] * size
    for (name, _), v, t in zip(model.slots(), values, layout_of(model)[0]):
        for i, x in enumerate(v.detach().reshape(-1).double().tolist()):
            flat[t['offset'] + i] = x
    return flat


def flat_params(model):
    return flatten(model, [p for _, p in model.slots()], layout_of(model)[1])


def flat_grads(model):
    return flatten(model, [p.grad for _, p in model.slots()], layout_of(model)[1])


# ---- one fixture ------------------------------------------------------------------------------------------------

def make_batch(spec, g, T, B, lengths=None, Td=None, decoder_lengths=None, ignore_one=False):
    """Random batch tensors (torch) and its JSON (flat, time-major, as batch.ts)."""
    inp, O = spec['input'], spec['output']['size']
    b, js = {}, {'batchSize': B, 'steps': T}
    if inp['vocabSize'] > 0:
        b['tokens'] = torch.randint(inp['vocabSize'], (T, B), generator=g)
    if inp['featureSize'] > 0:
        b['features'] = torch.randn(T, B, inp['featureSize'], generator=g)
    if lengths is not None:
        b['lengths'] = lengths
        js['lengths'] = lengths
    steps, lens = T, lengths
    if spec['shape'] == 'encoder-decoder':
        b['decoderTokens'] = torch.randint(spec['decoder']['vocabSize'], (Td, B), generator=g)
        js['decoderSteps'] = Td
        if decoder_lengths is not None:
            b['decoderLengths'] = decoder_lengths
            js['decoderLengths'] = decoder_lengths
        steps, lens = Td, decoder_lengths
    per_step = spec['shape'] in ('many-to-many', 'one-to-many', 'encoder-decoder')
    rows = steps * B if per_step else B
    mask = [1] * rows
    if per_step and lens is not None:
        mask = [1 if n // B < lens[n % B] else 0 for n in range(rows)]
    if spec['output']['kind'] == 'classes':
        tc = torch.randint(O, (rows,), generator=g)
        for n in range(rows):
            if not mask[n]:
                tc[n] = -100  # padding: ignored by PyTorch, weight 0 in ours
        if ignore_one:
            tc[B + 1] = -100  # one ignored valid step
        b['targetClasses'] = tc
    else:
        b['targetValues'] = torch.randn(rows, O, generator=g)
    for k, v in b.items():
        if torch.is_tensor(v):
            js[k] = v.reshape(-1).tolist()
    return b, js, mask


def fixture(name, spec, seed, **batch_args):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1)
    model = Model(spec)
    B, T = batch_args.pop('B'), batch_args.pop('T')
    batch, batch_json, mask = make_batch(spec, g, T, B, **batch_args)
    tensors, size = layout_of(model)
    params = flat_params(model)

    # float32: outputs, loss, grads
    model.zero_grad()
    out, loss = model(batch)
    loss.backward()
    outputs, loss32, grads = out.detach().reshape(-1).double().tolist(), loss.item(), flat_grads(model)

    # float64: the same parameters (float32 values), run in double
    m64 = Model(spec).double()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    out64, loss64 = m64(batch)
    loss64.backward()
    float64 = {'outputs': out64.detach().reshape(-1).tolist(), 'loss': loss64.item(), 'grads': flat_grads(m64)}

    # Adam, float32
    opt = torch.optim.Adam(model.parameters(), lr=ADAM['learningRate'], betas=(ADAM['beta1'], ADAM['beta2']), eps=ADAM['epsilon'])
    adam_losses = []
    for _ in range(ADAM['steps']):
        opt.zero_grad()
        _, l = model(batch)
        adam_losses.append(l.item())
        l.backward()
        opt.step()

    doc = {
        'name': name,
        'generator': f'tools/make_fixtures.py, torch {torch.__version__}, seed {seed}',
        'spec': spec,
        'tensors': tensors,
        'size': size,
        'params': params,
        'batch': batch_json,
        'outputs': outputs,
        'outputMask': mask,
        'loss': loss32,
        'grads': grads,
        'float64': float64,
        'adam': ADAM,
        'adamLosses': adam_losses,
        'adamParams': flat_params(model),
    }
    path = os.path.join(OUT_DIR, name + '.json')
    with open(path, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
        f.write('\n')
    print(f'{name}: {size} floats, loss {loss32:.6f} → {adam_losses[-1]:.6f} after Adam, {os.path.getsize(path) // 1024} KiB')


def spec_of(shape, cell, layers, bi, vocab=7, embed=4, features=0, output=('classes', 7), hidden=5, decoder=None, attention=None, input_feeding=False):
    s = {
        'shape': shape,
        'input': {'vocabSize': vocab, 'embedSize': embed if vocab > 0 else 0, 'featureSize': features},
        'stack': {'cell': cell, 'layers': layers, 'hiddenSize': hidden, 'bidirectional': bi},
        'output': {'kind': output[0], 'size': output[1]},
        'dropout': 0,
        'forgetBias': 0,  # PyTorch's default init; the fixtures carry their own parameters
    }
    if decoder:
        s['decoder'] = decoder
    if attention:
        s['attention'] = attention
    if input_feeding:
        s['inputFeeding'] = True
    return s


def input_feeding_fixtures():
    """Input feeding over every cell's encoder–decoder with each attention (as the attention fixtures: dot over a
    2-layer unidirectional encoder, general and additive over 2-layer bidirectional ones), padded sources and decoders."""
    dec = {'vocabSize': 6, 'embedSize': 4}
    seed = 300
    for cell in ('rnn', 'lstm', 'gru', 'peephole'):
        for attention, bi in (('luong-dot', False), ('luong-general', True), ('bahdanau', True)):
            seed += 1
            fixture(f"{cell}-2l-{'bi' if bi else 'uni'}-encdec-{attention}-feed-ce",
                    spec_of('encoder-decoder', cell, 2, bi, decoder=dec, output=('classes', 6), attention=attention, input_feeding=True),
                    seed, T=6, B=3, lengths=[6, 5, 3], Td=5, decoder_lengths=[5, 2, 4])


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    if '--input-feeding' in sys.argv[1:]:
        input_feeding_fixtures()
        return
    for old in os.listdir(OUT_DIR):
        if old.endswith('.json'):
            os.remove(os.path.join(OUT_DIR, old))
    seed = 100
    for cell in ('rnn', 'lstm', 'gru'):
        # many-to-many CE on tokens, full lengths: 1 layer, 2 stacked, 2 bidirectional
        for layers, bi in ((1, False), (2, False), (2, True)):
            seed += 1
            name = f"{cell}-{layers}l-{'bi' if bi else 'uni'}-m2m-ce"
            fixture(name, spec_of('many-to-many', cell, layers, bi), seed, T=6, B=3)
        # many-to-many CE, variable lengths (packed), ignored targets
        seed += 1
        fixture(f'{cell}-2l-bi-m2m-ce-lengths', spec_of('many-to-many', cell, 2, True), seed, T=6, B=3, lengths=[6, 4, 2], ignore_one=True)
        # many-to-one MSE on features, variable lengths
        seed += 1
        fixture(f'{cell}-2l-bi-m2o-mse', spec_of('many-to-one', cell, 2, True, vocab=0, features=3, output=('values', 2)), seed, T=6, B=3, lengths=[6, 3, 5])
        # encoder–decoder: 2-layer bidirectional encoder, decoder teacher-forced with variable lengths
        seed += 1
        fixture(f'{cell}-2l-bi-encdec-ce', spec_of('encoder-decoder', cell, 2, True, decoder={'vocabSize': 6, 'embedSize': 4}, output=('classes', 6)),
                seed, T=6, B=3, lengths=[6, 5, 3], Td=5, decoder_lengths=[5, 2, 4])
    seed += 1
    fixture('lstm-1l-uni-m2o-mse', spec_of('many-to-one', 'lstm', 1, False, vocab=0, features=3, output=('values', 2)), seed, T=6, B=3)
    # the peephole LSTM (a hand-written module, above): one layer; two bidirectional, with lengths; many-to-one
    # MSE with lengths; encoder–decoder
    seed += 1
    fixture('peephole-1l-uni-m2m-ce', spec_of('many-to-many', 'peephole', 1, False), seed, T=6, B=3)
    seed += 1
    fixture('peephole-2l-bi-m2m-ce-lengths', spec_of('many-to-many', 'peephole', 2, True), seed, T=6, B=3, lengths=[6, 4, 2], ignore_one=True)
    seed += 1
    fixture('peephole-2l-bi-m2o-mse', spec_of('many-to-one', 'peephole', 2, True, vocab=0, features=3, output=('values', 2)), seed, T=6, B=3, lengths=[6, 3, 5])
    seed += 1
    fixture('peephole-2l-bi-encdec-ce', spec_of('encoder-decoder', 'peephole', 2, True, decoder={'vocabSize': 6, 'embedSize': 4}, output=('classes', 6)),
            seed, T=6, B=3, lengths=[6, 5, 3], Td=5, decoder_lengths=[5, 2, 4])
    # attention (the hand-written module, above) over every cell's encoder–decoder: general and additive over
    # 2-layer bidirectional encoders, dot over a 2-layer unidirectional one; padded sources and decoder lengths
    dec = {'vocabSize': 6, 'embedSize': 4}
    for cell in ('rnn', 'lstm', 'gru', 'peephole'):
        for attention, bi in (('luong-dot', False), ('luong-general', True), ('bahdanau', True)):
            seed += 1
            fixture(f"{cell}-2l-{'bi' if bi else 'uni'}-encdec-{attention}-ce", spec_of('encoder-decoder', cell, 2, bi, decoder=dec, output=('classes', 6), attention=attention),
                    seed, T=6, B=3, lengths=[6, 5, 3], Td=5, decoder_lengths=[5, 2, 4])
    input_feeding_fixtures()


if __name__ == '__main__':
    main()
