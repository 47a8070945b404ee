#!/usr/bin/python3
"""PyTorch peer of `tessera bench engine` (run by bench/peers/torch.ts with /usr/bin/python3).

A long-lived worker, so that tessera and torch rounds interleave in one bench run without paying
torch's import on every round. Protocol: one JSON object per line on stdin, one per line on stdout.

  start-up   prints {"ok": true, "info": {...}} or {"ok": false, "reason": "..."} (torch not importable)
  {"cmd": "round", "threads": N, "reps": R, "warmup": W, "cnn_steps": S}
             prints {"ok": true, "round": {...}}: GEMM 1024^3 GFLOP/s on 1 and N threads, the MLP step
             (ms) on 1 and N threads, the CNN step (ms) on N threads
  {"cmd": "quit"} or end of input ends the worker.

Workloads, the same as bench/engine.ts measures for tessera:
  GEMM   C = A.B, A and B [1024, 1024] float32 standard normal; GFLOP/s = 2 n^3 / median seconds.
  MLP    784-300-100-10 ReLU (nn.Linear), batch 128 of fixed N(0,1) inputs, labels i % 10, softmax
         cross-entropy, one torch.optim.SGD(lr=0.01) step: zero_grad, forward, loss, backward, step.
  CNN    2 x [conv3x3 (padding 1, no bias), BatchNorm2d, ReLU, 2x2 max-pool] with 16/32 channels, then
         Linear(32*7*7, 10); inputs [128, 1, 28, 28]; the same SGD step, in training mode.
Each is `warmup` untimed runs then the median of `reps` timed runs (`cnn_steps` for the CNN).

Threads: torch.set_num_threads(n) sets torch's intra-op (OpenMP) pool but not OpenBLAS's own
pthread pool, which Debian's torch calls for every float32 matmul; a "1 thread" GEMM would otherwise
run on every core. So the worker also calls openblas_set_num_threads(n) on the OpenBLAS library that
is mapped into this process, and reports whether it could.

BLAS check: Debian's torch links libblas.so.3, which the alternatives system points at OpenBLAS when
libopenblas0-pthread is installed and at the reference BLAS (about 2.5 GFLOP/s) otherwise. The info
names the BLAS libraries mapped into the process, OpenBLAS's build string and core when present, and a
1-thread 512^3 GEMM rate; below 10 GFLOP/s it says the BLAS is slow and why (it is reported, not hidden).
"""
import ctypes
import json
import os
import statistics
import sys
import time

SLOW_BLAS_GFLOPS = 10.0


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn as nn
except Exception as exc:  # torch missing or broken: say so and stop
    reply({"ok": False, "reason": f"{sys.executable} cannot import torch ({type(exc).__name__}: {exc})"})
    sys.exit(0)


def mapped_libraries(fragments):
    """Real paths of the shared objects mapped into this process whose path contains a fragment."""
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and parts[5].startswith("/") and any(f in parts[5] for f in fragments):
                path = os.path.realpath(parts[5])
                if path not in found:
                    found.append(path)
    return found


def openblas_handle():
    """ctypes handle of the OpenBLAS mapped into this process, or None."""
    for path in mapped_libraries(["openblas"]):
        if "libopenblas" in os.path.basename(path):
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
                lib.openblas_get_config.restype = ctypes.c_char_p
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib, path
            except (OSError, AttributeError):
                continue
    return None, None


def median_seconds(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def gemm_gflops(n, reps, warmup):
    g = torch.Generator().manual_seed(1)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    with torch.no_grad():
        s = median_seconds(lambda: torch.matmul(a, b), reps, warmup)
    return 2 * n ** 3 / s / 1e9


def mlp():
    return nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


def small_cnn(c1=16, c2=32):
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, c1), *block(c1, c2), nn.Flatten(), nn.Linear(c2 * 7 * 7, 10))


def step_ms(model, x, y, reps, warmup):
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return median_seconds(step, reps, warmup) * 1e3


def batch(shape):
    g = torch.Generator().manual_seed(20)
    x = torch.randn(*shape, generator=g)
    y = torch.arange(shape[0]) % 10
    return x, y


class Threads:
    """Sets torch's and OpenBLAS's thread counts together."""

    def __init__(self):
        self.openblas, self.openblas_path = openblas_handle()

    def set(self, n):
        torch.set_num_threads(n)
        if self.openblas is not None:
            self.openblas.openblas_set_num_threads(n)


def info(threads):
    libs = mapped_libraries(["blas", "lapack", "mkl"])
    ob = threads.openblas
    threads.set(1)
    gflops_1t = gemm_gflops(512, 5, 2)
    kind = "openblas" if ob is not None else ("mkl" if any("mkl" in p for p in libs) else ("reference (netlib)" if libs else "unknown"))
    out = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "blas": kind,
        "blas_libraries": libs,
        "openblas_config": ob.openblas_get_config().decode() if ob is not None else None,
        "openblas_core": ob.openblas_get_corename().decode() if ob is not None else None,
        "openblas_threads_controlled": ob is not None,
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "blas_gemm512_gflops_1t": gflops_1t,
        "blas_fast": gflops_1t >= SLOW_BLAS_GFLOPS,
        "note": None,
    }
    if gflops_1t < SLOW_BLAS_GFLOPS:
        out["note"] = (f"torch's BLAS is slow: a 1-thread 512^3 sgemm runs at {gflops_1t:.1f} GFLOP/s (< {SLOW_BLAS_GFLOPS}); "
                       f"mapped BLAS libraries: {', '.join(libs) or 'none'}. Debian's torch falls back to the reference BLAS "
                       "when libopenblas0-pthread is missing; install it for a fair peer.")
    elif ob is None:
        out["note"] = "no OpenBLAS mapped into torch's process: '1 thread' GEMM numbers set only torch.set_num_threads(1)"
    return out


def run_round(threads, req):
    n_all, reps, warmup, cnn_steps = int(req["threads"]), int(req["reps"]), int(req["warmup"]), int(req["cnn_steps"])
    torch.manual_seed(0)
    out = {}
    for n, tag in ((1, "1t"), (n_all, "all")):
        threads.set(n)
        out[f"gemm1024_gflops_{tag}"] = gemm_gflops(1024, reps, warmup)
        x, y = batch((128, 784))
        out[f"mlp_step_ms_{tag}"] = step_ms(mlp(), x, y, reps * 2, warmup)
    threads.set(n_all)
    x, y = batch((128, 1, 28, 28))
    out["cnn_step_ms_all"] = step_ms(small_cnn(), x, y, cnn_steps, warmup)
    return out


def main():
    threads = Threads()
    reply({"ok": True, "info": info(threads)})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if req.get("cmd") == "quit":
                break
            if req.get("cmd") != "round":
                raise ValueError(f"unknown cmd {req.get('cmd')!r}, expected 'round' or 'quit'")
            reply({"ok": True, "round": run_round(threads, req)})
        except Exception as exc:
            reply({"ok": False, "reason": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    main()
