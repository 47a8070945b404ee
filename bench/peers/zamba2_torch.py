#!/usr/bin/python3
"""The PyTorch eager peer of `tessera bench zamba2`: a port of the Zamba2 model (shared/research/zamba2.md A1-A3,
the same wiring as scripts/fixtures/zamba2_model_golden.py and src/models/zamba2/model.ts) with a generation
cache, random weights in bf16 or f32, run under torch.inference_mode on CPU. It measures what the tessera bench
measures: prefill tokens/s (chunked SSD over the prompt, causal attention), decode ms/token at each context on
a cache holding that many positions of random keys/values, and the process's peak resident memory.

Input: one JSON argument {config (HF config.json keys), dtype ('bfloat16'|'float32'), contexts, prefill_tokens,
reps, warmup, threads}. Output: one JSON line {torch, dtype, threads, parameters, prefill_tok_s, decode: [{context,
ms, ms_min}], peak_rss_bytes}.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F


def build(c, dtype):
    """Random weights with the checkpoint's shapes (values do not change the timing)."""
    g = torch.Generator().manual_seed(0)
    h, H, P, N, G, K = c['hidden_size'], c['n_mamba_heads'], c['mamba_headdim'], c['mamba_d_state'], c['mamba_ngroups'], c['mamba_d_conv']
    d_in = c['mamba_expand'] * h
    conv_dim = d_in + 2 * G * N
    heads, kv, d = c['num_attention_heads'], c['num_key_value_heads'], c['attention_head_dim']
    I, r = c['intermediate_size'], c['adapter_rank']

    def rnd(*shape, std=None):
        std = std if std is not None else 1 / math.sqrt(shape[-1])
        return (torch.randn(*shape, generator=g) * std).to(dtype)

    ones = lambda n: torch.ones(n, dtype=dtype)
    layers = []
    for t in c['layers_block_type']:
        m = dict(norm=ones(h), in_proj=rnd(d_in + conv_dim + H, h), conv_w=rnd(conv_dim, K, std=0.5), conv_b=rnd(conv_dim, std=0.1),
                 dt_bias=rnd(H, std=0.1), A_log=torch.log(torch.arange(1, H + 1, dtype=torch.float32)).to(dtype), D=ones(H),
                 gnorm=ones(d_in), out_proj=rnd(h, d_in))
        layers.append(dict(type=t, mamba=m, linear=rnd(h, h) if t == 'hybrid' else None))
    blocks = []
    for _ in range(c['num_mem_blocks']):
        blocks.append(dict(in_norm=ones(2 * h), q=rnd(heads * d, 2 * h), k=rnd(kv * d, 2 * h), v=rnd(kv * d, 2 * h), o=rnd(h, heads * d),
                           ff_norm=ones(h), gate_up=rnd(2 * I, h), down=rnd(h, I)))
    invocations = sum(1 for t in c['layers_block_type'] if t == 'hybrid')
    adapters = []
    for _ in range(invocations):
        a = {}
        if c.get('use_shared_attention_adapter'):
            for x, w in (('q', heads * d), ('k', kv * d), ('v', kv * d)):
                a[x] = (rnd(r, 2 * h), rnd(w, r))
        if c.get('use_shared_mlp_adapter'):
            a['mlp'] = (rnd(r, h), rnd(2 * I, r))
        adapters.append(a)
    embed = rnd(c['vocab_size'], h, std=1.0)
    return dict(layers=layers, blocks=blocks, adapters=adapters, embed=embed, final=ones(h), dims=(h, H, P, N, G, K, d_in, conv_dim, heads, kv, d, I))


def parameters(model):
    total = model['embed'].numel() + model['final'].numel()
    for layer in model['layers']:
        total += sum(t.numel() for t in layer['mamba'].values()) + (layer['linear'].numel() if layer['linear'] is not None else 0)
    for b in model['blocks']:
        total += sum(t.numel() for t in b.values())
    for a in model['adapters']:
        total += sum(x.numel() + y.numel() for x, y in a.values())
    return total


def up(t):
    """Reductions and the scan run in f32 for a bf16 model (as HF's torch path); f32/f64 stay as they are."""
    return t.float() if t.dtype == torch.bfloat16 else t


def rms(x, w, eps):
    xf = up(x)
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * w


def gated_rms(y, z, w, groups, eps=1e-5):
    g = up(y * F.silu(z))
    shape = g.shape
    g = g.view(*shape[:-1], groups, -1)
    g = g * torch.rsqrt(g.pow(2).mean(-1, keepdim=True) + eps)
    return g.view(shape).to(y.dtype) * w


def rope(x, start, theta):
    """x [L, heads, d], rotate-half RoPE at positions start…start+L−1."""
    L, _, d = x.shape
    inv = theta ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)
    ang = torch.arange(start, start + L, dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1)[:, None, :].to(x.dtype), torch.cat([ang.sin(), ang.sin()], -1)[:, None, :].to(x.dtype)
    a, b = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-b, a], -1) * sin


def segsum(x):
    """x [..., T] → [..., T, T] with out[i, j] = Σ_{j < k ≤ i} x[k] (−inf above the diagonal), as ssd_minimal."""
    T = x.shape[-1]
    x = x[..., None].expand(*x.shape, T)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool), -1)
    x = x.masked_fill(~mask, 0)
    s = torch.cumsum(x, dim=-2)
    return s.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool), 0), -torch.inf)


def ssd_chunked(x, dt, A, B, C, chunk, state):
    """ssd_minimal_discrete: x [L, H, P], dt [L, H], A [H], B, C [L, H, N] (per head), state [H, P, N]."""
    L = x.shape[0]
    pad = (-L) % chunk
    if pad:
        x, dt, B, C = (F.pad(t, (0,) * (2 * (t.dim() - 1)) + (0, pad)) for t in (x, dt, B, C))
    n = x.shape[0] // chunk
    X = (x * dt[..., None]).view(n, chunk, *x.shape[1:])
    Ad = (A[None, :] * dt).view(n, chunk, -1).permute(2, 0, 1)  # [H, n, Q]
    Bc, Cc = B.view(n, chunk, *B.shape[1:]), C.view(n, chunk, *C.shape[1:])
    A_cum = torch.cumsum(Ad, -1)
    Lm = torch.exp(segsum(Ad))
    Y_diag = torch.einsum('clhn,cshn,hcls,cshp->clhp', Cc, Bc, Lm, X)
    decay_states = torch.exp(A_cum[:, :, -1:] - A_cum)
    states = torch.einsum('clhn,hcl,clhp->chpn', Bc, decay_states, X)
    states = torch.cat([state[None], states], 0)
    decay_chunk = torch.exp(segsum(F.pad(A_cum[:, :, -1], (1, 0))))
    new_states = torch.einsum('hzc,chpn->zhpn', decay_chunk, states)
    states, final = new_states[:-1], new_states[-1]
    Y_off = torch.einsum('clhn,chpn,hcl->clhp', Cc, states, torch.exp(A_cum))
    y = (Y_diag + Y_off).reshape(n * chunk, *x.shape[1:])[:L]
    return y, final


def mamba(model, m, u, cache_i, c, chunk):
    h, H, P, N, G, K, d_in, conv_dim = model['dims'][:8]
    L = u.shape[0]
    zxbcdt = u @ m['in_proj'].T
    z, xBC, dt = zxbcdt[:, :d_in], zxbcdt[:, d_in:d_in + conv_dim], zxbcdt[:, d_in + conv_dim:]
    window = torch.cat([cache_i['conv'], xBC.T], 1)  # [C, K + L]
    cache_i['conv'] = window[:, -K:]
    taps = window[:, 1:].unfold(1, K, 1)  # [C, L, K]
    xBC = F.silu((taps * m['conv_w'][:, None, :]).sum(-1).T + m['conv_b'])
    x, B, Cm = xBC[:, :d_in].view(L, H, P), xBC[:, d_in:d_in + G * N].view(L, G, N), xBC[:, d_in + G * N:].view(L, G, N)
    dt = F.softplus(dt + m['dt_bias'])
    A = -torch.exp(up(m['A_log']))
    rep = H // G
    Bh, Ch = B.repeat_interleave(rep, 1), Cm.repeat_interleave(rep, 1)
    if L == 1:
        dA = torch.exp(up(dt[0]) * A).to(x.dtype)
        s = cache_i['ssm'] * dA[:, None, None] + (dt[0][:, None] * x[0])[:, :, None] * Bh[0][:, None, :]
        cache_i['ssm'] = s
        y = (s @ Ch[0][:, :, None]).squeeze(-1)[None]
    else:
        y, final = ssd_chunked(up(x), up(dt), A.to(up(x).dtype), up(Bh), up(Ch), chunk, up(cache_i['ssm']))
        cache_i['ssm'], y = final.to(x.dtype), y.to(x.dtype)
    y = y + m['D'][None, :, None] * x
    return gated_rms(y.reshape(L, d_in), z, m['gnorm'], G) @ m['out_proj'].T


def block(model, b, adapter, x, kv_cache, start, c):
    heads, kv, d = model['dims'][8:11]
    L = x.shape[0]

    def proj(name):
        y = x @ b[name].T
        if name in adapter:
            A, B = adapter[name]
            y = y + (x @ A.T) @ B.T
        return y
    q, k, v = proj('q').view(L, heads, d), proj('k').view(L, kv, d), proj('v').view(L, kv, d)
    if c.get('use_mem_rope'):
        q, k = rope(q, start, c['rope_theta']), rope(k, start, c['rope_theta'])
    kv_cache['k'] = torch.cat([kv_cache['k'], k], 0)
    kv_cache['v'] = torch.cat([kv_cache['v'], v], 0)
    K_, V_ = kv_cache['k'], kv_cache['v']
    T = K_.shape[0]
    g = heads // kv
    qh = q.view(L, kv, g, d).permute(1, 2, 0, 3).reshape(kv, g * L, d)
    scores = (qh @ K_.permute(1, 2, 0)) / math.sqrt(d / 2)  # [kv, g·L, T]
    if L > 1:
        mask = torch.arange(T)[None, :] <= (start + torch.arange(L))[:, None]
        scores = scores.masked_fill(~mask.repeat(g, 1)[None], -torch.inf)
    o = torch.softmax(up(scores), -1).to(x.dtype) @ V_.permute(1, 0, 2)  # [kv, g·L, d]
    a = o.view(kv, g, L, d).permute(2, 0, 1, 3).reshape(L, heads * d) @ b['o'].T
    mlp_in = rms(a, b['ff_norm'], c['rms_norm_eps'])
    gu = mlp_in @ b['gate_up'].T
    if 'mlp' in adapter:
        A, B = adapter['mlp']
        gu = gu + (mlp_in @ A.T) @ B.T
    I = gu.shape[1] // 2
    return (F.gelu(gu[:, :I]) * gu[:, I:]) @ b['down'].T


def forward(model, ids, cache, c):
    eps, chunk = c['rms_norm_eps'], c['chunk_size']
    e = model['embed'][ids]
    h = e
    j = 0
    for i, layer in enumerate(model['layers']):
        mixer_in = h
        if layer['type'] == 'hybrid':
            b = model['blocks'][j % len(model['blocks'])]
            x = rms(torch.cat([h, e], -1), b['in_norm'], eps)
            t = block(model, b, model['adapters'][j], x, cache['kv'][j], cache['length'], c)
            mixer_in = h + t @ layer['linear'].T
            j += 1
        h = h + mamba(model, layer['mamba'], rms(mixer_in, layer['mamba']['norm'], eps), cache['mamba'][i], c, chunk)
    cache['length'] += len(ids)
    last = rms(h[-1:], model['final'], eps)
    return last @ model['embed'].T


def new_cache(model, c, dtype, context=0, seed=1):
    h, H, P, N, G, K, d_in, conv_dim, heads, kv, d, _ = model['dims']
    g = torch.Generator().manual_seed(seed)
    fill = lambda *s: (torch.randn(*s, generator=g) * 0.1).to(dtype)
    return dict(
        mamba=[dict(conv=torch.zeros(conv_dim, K, dtype=dtype), ssm=torch.zeros(H, P, N, dtype=dtype)) for _ in model['layers']],
        kv=[dict(k=fill(context, kv, d), v=fill(context, kv, d)) for _ in model['adapters']], length=context)


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args['threads'])
    dtype = {'bfloat16': torch.bfloat16, 'float32': torch.float32}[args['dtype']]
    c = args['config']
    with torch.inference_mode():
        model = build(c, dtype)
        V = c['vocab_size']
        ids = lambda n, off=0: torch.tensor([3 + ((i * 31 + off) % (V - 3)) for i in range(n)])
        t0 = time.perf_counter()
        forward(model, ids(args['prefill_tokens']), new_cache(model, c, dtype), c)
        prefill = args['prefill_tokens'] / (time.perf_counter() - t0)
        decode = []
        for context in args['contexts']:
            cache = new_cache(model, c, dtype, context)
            times = []
            for i in range(args['warmup'] + args['reps']):
                t = time.perf_counter()
                forward(model, ids(1, i + 9), cache, c)
                if i >= args['warmup']:
                    times.append(1000 * (time.perf_counter() - t))
            times.sort()
            decode.append(dict(context=context, ms=times[len(times) // 2], ms_min=times[0]))
    print(json.dumps(dict(torch=torch.__version__, dtype=args['dtype'], threads=args['threads'], parameters=parameters(model),
                          prefill_tok_s=prefill, decode=decode, peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))


if __name__ == '__main__':
    main()
