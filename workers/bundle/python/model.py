# model.py — the Sequence Studio model of this bundle, in PyTorch, written out in the studio's own equations.
# Written by `seqstudio bundle` (from workers/bundle/python/ in the studio's source); do not edit in a bundle.
#
# It is the studio's model, not a re-creation: the same parameter tensors under the same names (bundle.json
# "layout": embed, l{l}[r].Wx/Wh/bx/bh/P, dec.*, head.Wy/by), the cells' equations and gate orders of the studio's
# cell registry (src-shared/cells.ts), the semantics of its batches (workers/engine/batch.ts): time-major (T, B, …),
# a reverse direction that reads each sequence backwards within its own length, final states at position len − 1,
# inverted dropout with the studio's hashed masks, weighted losses, the encoder–decoder bridge.
#
# Legend: T steps, B batch, H hidden, G gates, D directions, L layers, E embedding width, F features, O outputs.
#   rnn       h = tanh(ax + ah)                                            gates [h]
#   lstm      i, f, g, o = σ(ax_i + ah_i), σ(ax_f + ah_f), tanh(ax_g + ah_g), σ(ax_o + ah_o)
#             c = f ⊙ c' + i ⊙ g, h = o ⊙ tanh(c)                          gates [i f g o]
#   peephole  the LSTM with i += p_i ⊙ c', f += p_f ⊙ c', o += p_o ⊙ c      P rows [i f o]
#   gru       r = σ(ax_r + ah_r), z = σ(ax_z + ah_z), n = tanh(ax_n + r ⊙ ah_n), h = (1 − z) ⊙ n + z ⊙ h'
#             (PyTorch's GRU, ONNX linear_before_reset = 1)                gates [r z n]
# where ax = Wx·x + bx and ah = Wh·h' + bh over the fused gate rows (G·H).

import torch
import torch.nn as nn
import torch.nn.functional as F

# ================================================ the cells =========================================================
# One step of one cell, by the registry's name (bundle.json "cell" carries its gates, states and peepholes from the
# studio's registry): from ax, ah (B, G·H), the state h', c' (B, H) and the peephole rows P (or None), the new h, c
# and the gate activations (B, G·H) in the registry's order.


def rnn_step(ax, ah, h, c, P, H):
    h = torch.tanh(ax + ah)
    return h, c, h


def lstm_step(ax, ah, h, c, P, H):
    a = ax + ah
    ai, af, ag, ao = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    if P is not None:  # the peephole LSTM: i and f read c', o reads the new c (rows i, f, o)
        ai = ai + P[0] * c
        af = af + P[1] * c
    i, f, g = torch.sigmoid(ai), torch.sigmoid(af), torch.tanh(ag)
    c = f * c + i * g
    if P is not None:
        ao = ao + P[2] * c
    o = torch.sigmoid(ao)
    return o * torch.tanh(c), c, torch.cat([i, f, g, o], 1)


def gru_step(ax, ah, h, c, P, H):
    r = torch.sigmoid(ax[:, :H] + ah[:, :H])
    z = torch.sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = torch.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])  # the reset gate scales Wh_n·h' + bh_n (PyTorch's GRU)
    return (1 - z) * n + z * h, c, torch.cat([r, z, n], 1)


CELL_STEPS = {'rnn': rnn_step, 'lstm': lstm_step, 'peephole': lstm_step, 'gru': gru_step}

# ================================================ dropout masks ===================================================
# The studio's masks are a hash of (seed, element index), so a mask is the same wherever it is computed:
# element i of a layer's output (T, B, D·H), i = (t·B + b)·D·H + k, is kept iff uniform(seed, i) ≥ p, where
# uniform(seed, i) = (fmix32(seed + i·0x9e3779b9 mod 2³²) >> 8) / 2²⁴ (workers/engine/batch.ts).

M32 = 0xFFFFFFFF


def _imul32(a, c):
    """(a · c) mod 2³² for int64 tensors a in [0, 2³²) and a constant c, without overflowing int64."""
    return (a * (c & 0xFFFF) + (((a * (c >> 16)) & 0xFFFF) << 16)) & M32


def fmix32(h):
    h = h ^ (h >> 16)
    h = _imul32(h, 0x85EBCA6B)
    h = h ^ (h >> 13)
    h = _imul32(h, 0xC2B2AE35)
    return h ^ (h >> 16)


def dropout_mask(seed, shape, p, dtype):
    """Multipliers 0 or 1/(1 − p) over `shape` (T, B, D·H), as the studio's dropout_forward kernel makes them (float32 p)."""
    n = 1
    for s in shape:
        n *= s
    i = torch.arange(n, dtype=torch.int64)
    u = (fmix32((int(seed) + _imul32(i, 0x9E3779B9)) & M32) >> 8).to(torch.float32) / 16777216.0
    p32 = torch.tensor(p, dtype=torch.float32)
    keep = torch.tensor(1.0, dtype=torch.float32) / (1.0 - p32)
    return torch.where(u >= p32, keep, torch.zeros((), dtype=torch.float32)).reshape(shape).to(dtype)


# ================================================ the model ======================================================


def param_key(name):
    """Module attribute names cannot hold dots: "l0.Wx" is kept as "l0__Wx"."""
    return name.replace('.', '__')


class StudioModel(nn.Module):
    def __init__(self, bundle):
        super().__init__()
        self.spec = bundle['spec']
        self.layout = bundle['layout']  # [{name, shape, role, stack, layer, direction}] in the studio's order
        self.weights = nn.ParameterDict({param_key(t['name']): nn.Parameter(torch.zeros(t['shape'])) for t in self.layout})
        stack = self.spec['stack']
        self.cell = stack['cell']
        if self.cell not in CELL_STEPS:
            raise SystemExit(f'bundle.json: cell "{self.cell}" is not one this model.py knows ({", ".join(CELL_STEPS)})')
        self.step = CELL_STEPS[self.cell]
        cell = bundle['cell']
        if not all(k in cell for k in ('gates', 'states', 'peepholes')):
            raise SystemExit('bundle.json: "cell" must name its gates, states and peepholes (bundle the run again with this studio)')
        self.G = len(cell['gates'])
        self.has_c = 'c' in cell['states']  # a memory c beside h: the decoder starts from the encoder's c as well
        self.peepholes = len(cell['peepholes']) > 0
        self.H = stack['hiddenSize']
        self.L = stack['layers']
        self.D = 2 if stack['bidirectional'] else 1
        self.dropout = float(self.spec.get('dropout', 0))
        # worker threads the studio trained the run on: its dropout masks were drawn per worker (batch_mask)
        self.studio_workers = max(1, int(bundle.get('studioWorkers', 1)))
        self.per_step = self.spec['shape'] in ('many-to-many', 'one-to-many', 'encoder-decoder')
        # the decoder's attention over the encoder's top outputs (src-shared/attention.ts): none, luong-dot,
        # luong-general or bahdanau (additive, with the decoder's current output as the query, as the studio has it)
        self.attention = self.spec.get('attention', 'none') if self.spec['shape'] == 'encoder-decoder' else 'none'
        if self.attention not in ('none', 'luong-dot', 'luong-general', 'bahdanau'):
            raise SystemExit(f'bundle.json: attention "{self.attention}" is not one this model.py knows')
        # filled by forward when asked (diagnostics): per stack and layer-direction, the gate activations and the
        # hidden states whose gradients the hooks catch
        self.capture = None

    def w(self, name):
        return self.weights[param_key(name)]

    def attend(self, s, lengths, h):
        """
        Attention as the studio computes it (workers/engine/reference-attention.ts): s (Ts, B, S) the encoder's top
        outputs [fwd | bwd], h (Td, B, Hd) the decoder's top outputs, lengths (B) the sources' lengths.
            e_tj = h_t.s_j (dot) | h_t.(W_a s_j) (general) | v.tanh(W_q h_t + W_k s_j) (additive)
            a_t = softmax over j < length (0 beyond);  c_t = sum_j a_tj s_j;  h~_t = tanh(W_c [c_t ; h_t])
        Returns h~ (Td, B, Hd).
        """
        q = h.permute(1, 0, 2)  # (B, Td, Hd)
        m = s.permute(1, 0, 2)  # (B, Ts, S)
        if self.attention == 'luong-dot':
            e = q @ m.transpose(1, 2)
        elif self.attention == 'luong-general':
            e = q @ (m @ self.w('att.Wa').t()).transpose(1, 2)
        else:
            k = m @ self.w('att.Wk').t()  # (B, Ts, Hd)
            e = torch.tanh((q @ self.w('att.Wq').t()).unsqueeze(2) + k.unsqueeze(1)) @ self.w('att.v')  # (B, Td, Ts)
        Ts = m.shape[1]
        padded = torch.arange(Ts, device=e.device)[None, None, :] >= lengths.to(e.device)[:, None, None]
        a = torch.softmax(e.masked_fill(padded, float('-inf')), dim=2)
        c = a @ m  # (B, Td, S)
        out = torch.tanh(torch.cat([c, q], 2) @ self.w('att.Wc').t())  # (B, Td, Hd)
        return out.permute(1, 0, 2)

    def load_studio_weights(self, tensors):
        """Copies the studio's tensors (by their layout names) into the parameters; a missing or misshapen one is an error."""
        with torch.no_grad():
            for t in self.layout:
                src = tensors.get(t['name'])
                if src is None:
                    raise SystemExit(f'weights: tensor {t["name"]} is missing')
                if list(src.shape) != list(t['shape']):
                    raise SystemExit(f'weights: tensor {t["name"]} has shape {list(src.shape)}, the model {t["shape"]}')
                self.w(t['name']).copy_(src)

    def studio_weights(self):
        return {t['name']: self.w(t['name']).detach() for t in self.layout}

    # ---- one layer-direction through time --------------------------------------------------------------------------

    def run_direction(self, prefix, x, lengths, reverse, h0, c0, tag):
        """x (T, B, X) at original steps → out (T, B, H) at original steps, final h and c (B, H)."""
        T, B, _ = x.shape
        H = self.H
        Wx, Wh, bx, bh = self.w(prefix + 'Wx'), self.w(prefix + 'Wh'), self.w(prefix + 'bx'), self.w(prefix + 'bh')
        P = self.w(prefix + 'P') if self.peepholes else None
        pos = torch.arange(T, device=x.device).unsqueeze(1).expand(T, B)
        if reverse:
            # position s of item b reads original step π_b(s) = len_b − 1 − s for s < len_b, else s (its own inverse)
            perm = torch.where(pos < lengths.unsqueeze(0), lengths.unsqueeze(0) - 1 - pos, pos)
            x = torch.gather(x, 0, perm.unsqueeze(2).expand_as(x))
        ax = torch.matmul(x, Wx.t()) + bx  # (T, B, G·H)
        h = h0 if h0 is not None else x.new_zeros(B, H)
        c = c0 if c0 is not None else x.new_zeros(B, H)
        hs, cs, acts = [], [], []
        for s in range(T):
            a_h = torch.matmul(h, Wh.t()) + bh  # (B, G·H)
            h, c, act = self.step(ax[s], a_h, h, c, P, H)
            if self.capture is not None:
                h.retain_grad()
            hs.append(h)
            cs.append(c)
            acts.append(act)
        H_all = torch.stack(hs)  # (T, B, H) by position
        C_all = torch.stack(cs)
        last = (lengths - 1).view(1, B, 1).expand(1, B, H)
        h_final = torch.gather(H_all, 0, last)[0]
        c_final = torch.gather(C_all, 0, last)[0]
        out = torch.gather(H_all, 0, perm.unsqueeze(2).expand_as(H_all)) if reverse else H_all
        if self.capture is not None:
            self.capture.append({'tag': tag, 'acts': torch.stack(acts).detach(), 'hs': hs, 'T': T})
        return out, h_final, c_final

    def run_stack(self, prefix, stack_tag, x, lengths, h0, c0, mask_seeds, first_mask, shard):
        """L layers × D directions, outputs [fwd | bwd], dropout between layers. h0/c0 (L·D, B, H) or None."""
        L, D, H = self.L, (self.D if prefix == '' else 1), self.H  # the decoder is unidirectional
        T, B, _ = x.shape
        finals_h, finals_c = [], []
        for l in range(L):
            outs = []
            for d in range(D):
                k = l * D + d
                out, hf, cf = self.run_direction(f'{prefix}l{l}{"r" if d == 1 else ""}.', x, lengths, d == 1,
                                                 None if h0 is None else h0[k], None if c0 is None else c0[k],
                                                 (stack_tag, l, d))
                outs.append(out)
                finals_h.append(hf)
                finals_c.append(cf)
            y = torch.cat(outs, 2) if D > 1 else outs[0]
            if mask_seeds is not None and self.dropout > 0 and l < L - 1:
                lo, hi, full_b = shard
                mask = self.batch_mask(int(mask_seeds[first_mask + l]), T, full_b, D * H, y.dtype)
                y = y * mask[:, lo:hi].to(y.device)
            x = y
        return x, torch.stack(finals_h), torch.stack(finals_c)

    def batch_mask(self, seed, T, B, width, dtype):
        """
        The dropout multipliers (T, B, width) of a whole batch as the studio made them: a run trained on W worker
        threads drew each worker's mask over its own share of the items (T, B_w, width), so the batch's mask is
        theirs side by side (one worker: one mask over the batch).
        """
        parts = []
        for w in range(self.studio_workers):
            lo, hi = (B * w) // self.studio_workers, (B * (w + 1)) // self.studio_workers
            if hi > lo:
                parts.append(dropout_mask(seed, (T, hi - lo, width), self.dropout, dtype))
        return torch.cat(parts, 1)

    # ---- the whole model -------------------------------------------------------------------------------------------

    def forward(self, batch, mask_seeds=None, shard=None):
        """
        batch: tensors of one (share of a) studio batch, time-major: tokens (T, B), features (T, B, F), lengths (B),
        decoderTokens (Td, B), decoderLengths (B), initialH/initialC (L·D, B, H). mask_seeds: the step's dropout
        seeds per mask layer (training), or None (evaluation). shard: (lo, hi, full B) of this share.
        Returns the head outputs (N, O) and the final states of the encoder (or only) stack.
        """
        spec = self.spec
        dtype = self.w('head.Wy').dtype
        T = batch['steps']
        B = batch['batchSize']
        if shard is None:
            shard = (0, B, B)
        lengths = batch.get('lengths')
        device = self.w('head.Wy').device
        if lengths is None:
            lengths = torch.full((B,), T, dtype=torch.int64)
        lengths = lengths.to(device=device, dtype=torch.int64)
        parts = []
        if spec['input']['vocabSize'] > 0:
            parts.append(F.embedding(batch['tokens'].to(torch.int64), self.w('embed')))
        if spec['input']['featureSize'] > 0:
            parts.append(batch['features'].to(dtype))
        x0 = torch.cat(parts, 2) if len(parts) > 1 else parts[0]
        enc_top, enc_h, enc_c = self.run_stack('', 'enc', x0, lengths, batch.get('initialH'), batch.get('initialC'), mask_seeds, 0, shard)
        top, top_h, D = enc_top, enc_h, self.D
        if spec['shape'] == 'encoder-decoder':
            # the decoder starts from the encoder's final states per layer, its two directions summed
            L, H = self.L, self.H
            h0 = enc_h.view(L, self.D, B, H).sum(1)
            c0 = enc_c.view(L, self.D, B, H).sum(1)
            dec_lengths = batch['decoderLengths'].to(device=device, dtype=torch.int64)
            xd = F.embedding(batch['decoderTokens'].to(torch.int64), self.w('dec.embed'))
            top, top_h, _ = self.run_stack('dec.', 'dec', xd, dec_lengths, h0, c0 if self.has_c else None, mask_seeds, self.L, shard)
            D = 1
            if self.attention != 'none':
                top = self.attend(enc_top, lengths, top)  # the head reads h~ (Td, B, Hd)
        if self.per_step:
            head_in = top.reshape(-1, top.shape[2])  # (T·B, D·H), row t·B + b
        else:
            last = top_h[(self.L - 1) * D:]  # (D, B, H) of the last layer
            head_in = last.permute(1, 0, 2).reshape(B, D * self.H)
        y = torch.matmul(head_in, self.w('head.Wy').t()) + self.w('head.by')
        return y, enc_h.detach(), enc_c.detach()


# ================================================ the loss =========================================================


def loss_weights(spec, batch, per_step):
    """w (N): the batch's weights, else 1 on valid steps and 0 on padding; 0 where a class target is negative."""
    B = batch['batchSize']
    device = next(v.device for v in batch.values() if torch.is_tensor(v))
    steps = batch['decoderSteps'] if spec['shape'] == 'encoder-decoder' else batch['steps']
    lengths = batch.get('decoderLengths' if spec['shape'] == 'encoder-decoder' else 'lengths')
    if batch.get('weights') is not None:
        w = batch['weights'].reshape(-1).to(torch.float64)
    elif per_step:
        t = torch.arange(steps, device=device).unsqueeze(1).expand(steps, B)
        w = (t < lengths.to(torch.int64).unsqueeze(0)).to(torch.float64).reshape(-1) if lengths is not None else torch.ones(steps * B, dtype=torch.float64, device=device)
    else:
        w = torch.ones(B, dtype=torch.float64, device=device)
    if spec['output']['kind'] == 'classes' and batch.get('targetClasses') is not None:
        w = torch.where(batch['targetClasses'].reshape(-1) < 0, torch.zeros_like(w), w)
    return w


def loss_sum(spec, y, batch, w):
    """Σ w·ℓ over the rows (ℓ: cross-entropy, or the squared error averaged over the O outputs), in y's dtype."""
    wt = w.to(y.dtype)
    if spec['output']['kind'] == 'classes':
        target = batch['targetClasses'].reshape(-1).to(torch.int64).clamp(min=0)
        nll = -torch.gather(F.log_softmax(y, 1), 1, target.unsqueeze(1))[:, 0]
        return torch.where(wt > 0, wt * nll, torch.zeros_like(nll)).sum()
    O = spec['output']['size']
    e = y - batch['targetValues'].reshape(-1, O).to(y.dtype)
    return torch.where(wt > 0, wt * (e * e).sum(1), torch.zeros_like(wt)).sum() / O  # padding rows never count
