"""PyTorch as a peer of gradstream's benchmark: one process per candidate, driven over its
standard input and output so that its work takes turns with gradstream's in the rounds of
`npm run bench` (bench/torch/peer.ts starts it; bench/README.md says how to install it).

Protocol: one JSON object per line each way. On start the peer answers with what it runs
on ({"ready": true, "torch": ..., "threads": 1, "blasCore": ...}), then for each command:

    {"setup": "mlp", "dtype": "float64", "batch": 64, "inputs": 784, "hidden": 128,
     "classes": 10, "learningRate": 0.01, "batches": 4}
    {"setup": "gemm", "dtype": "float32", "m": 256, "n": 256, "k": 256,
     "transposeA": false, "transposeB": true}
    {"setup": "gradcheck", "size": 64, "mode": "fast"}      # or "slow"; float64 always
        -> {"ok": true}
    {"calibrate": 0.8}   -> {"repetitions": n}   # repetitions that fill about 0.8 s
    {"run": n}           -> {"seconds": s, "cpuSeconds": c, ...}  # n repetitions of the task set up last

A failure answers {"error": "..."} and the peer reads on. End of input ends it.

One thread: torch.set_num_threads(1) here, and OPENBLAS_NUM_THREADS=1 in the environment
that bench/torch/peer.ts gives the process (without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE,
which pin OpenBLAS to slower kernels on the benchmark machine).
"""

import ctypes
import json
import os
import platform
import sys
import time


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def blas_core():
    """The OpenBLAS kernel family in use (e.g. 'Cooperlake', 'Haswell'), or None for another BLAS."""
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            corename = ctypes.CDLL(name).openblas_get_corename
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        return corename().decode()
    return None


class Mlp:
    """The benchmark's 784-128-10 MLP (linear, relu, linear, softmax cross-entropy) with plain
    SGD, θ ← θ − η·g, on a few fixed batches of uniform inputs taken in turn."""

    def __init__(self, torch, command):
        dtype = getattr(torch, command["dtype"])
        generator = torch.Generator().manual_seed(1)
        self.torch = torch
        self.model = torch.nn.Sequential(
            torch.nn.Linear(command["inputs"], command["hidden"]),
            torch.nn.ReLU(),
            torch.nn.Linear(command["hidden"], command["classes"]),
        ).to(dtype)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=command["learningRate"])
        batch = command["batch"]
        self.inputs = [torch.rand(batch, command["inputs"], generator=generator, dtype=dtype) for _ in range(command["batches"])]
        self.labels = [torch.randint(0, command["classes"], (batch,), generator=generator) for _ in range(command["batches"])]
        self.step = 0
        self.loss = float("nan")

    def run(self, repetitions):
        functional = self.torch.nn.functional
        for _ in range(repetitions):
            index = self.step % len(self.inputs)
            self.optimizer.zero_grad(set_to_none=True)
            loss = functional.cross_entropy(self.model(self.inputs[index]), self.labels[index])
            loss.backward()
            self.optimizer.step()
            self.step += 1
        self.loss = loss.item()
        return {"loss": self.loss}


class Gemm:
    """op(A)·op(B) into a preallocated C, op(X) being X or a transposed view of it (BLAS reads
    the view's strides as a transpose flag; nothing is copied)."""

    def __init__(self, torch, command):
        dtype = getattr(torch, command["dtype"])
        m, n, k = command["m"], command["n"], command["k"]
        generator = torch.Generator().manual_seed(m * 7919 + n * 31 + k)
        a = torch.rand(k, m, generator=generator, dtype=dtype) if command["transposeA"] else torch.rand(m, k, generator=generator, dtype=dtype)
        b = torch.rand(n, k, generator=generator, dtype=dtype) if command["transposeB"] else torch.rand(k, n, generator=generator, dtype=dtype)
        self.a = a.t() if command["transposeA"] else a
        self.b = b.t() if command["transposeB"] else b
        self.c = torch.empty(m, n, dtype=dtype)
        self.mm = torch.mm

    def run(self, repetitions):
        for _ in range(repetitions):
            self.mm(self.a, self.b, out=self.c)
        return {}


class Gradcheck:
    """torch.autograd.gradcheck of a linear layer y = x·Wᵀ + b at batch 1 over x, W and b, as
    gradstream's verifier checks dense(size, size): slow mode (a central difference per input
    number, a backward per output number) or fast mode (vᵀJu both ways for random u, v)."""

    def __init__(self, torch, command):
        size = command["size"]
        if command["mode"] not in ("slow", "fast"):
            raise ValueError(f"gradcheck mode must be 'slow' or 'fast', got {command['mode']!r}")
        generator = torch.Generator().manual_seed(size)

        def uniform(*shape):
            return (torch.rand(*shape, generator=generator, dtype=torch.float64) * 2 - 1).requires_grad_()

        self.inputs = (uniform(1, size), uniform(size, size), uniform(size))
        self.fast = command["mode"] == "fast"
        self.gradcheck = torch.autograd.gradcheck
        self.linear = torch.nn.functional.linear
        self.forward_calls = 0

    def layer(self, x, weight, bias):
        self.forward_calls += 1
        return self.linear(x, weight, bias)

    def run(self, repetitions):
        self.forward_calls = 0
        ok = True
        for _ in range(repetitions):
            ok = self.gradcheck(self.layer, self.inputs, fast_mode=self.fast, raise_exception=False) and ok
        return {"ok": ok, "forward": self.forward_calls / repetitions}


TASKS = {"mlp": Mlp, "gemm": Gemm, "gradcheck": Gradcheck}


def timed(task, repetitions):
    """Wall seconds of `repetitions` of the task, and what it returns with the CPU seconds of
    this process (all its threads), which load from other processes moves less."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = task.run(repetitions)
    return time.perf_counter() - start, {**result, "cpuSeconds": time.process_time() - cpu_start}


def calibrate(task, seconds):
    """Repetitions that fill about `seconds`: grow a trial run fourfold until it takes an
    eighth of the target (short products time badly one at a time), then scale."""
    repetitions = 1
    while True:
        elapsed, _ = timed(task, repetitions)
        if elapsed >= seconds:
            return repetitions
        if elapsed >= seconds / 8 or repetitions >= 1 << 24:
            return max(1, round(repetitions * seconds / max(elapsed, 1e-9)))
        repetitions *= 4


def main():
    try:
        import torch
    except Exception as error:  # ImportError, or a broken install
        reply({"error": f"import torch failed in {sys.executable}: {error}"})
        return 1
    torch.set_num_threads(1)
    reply({
        "ready": True,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "blasCore": blas_core(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "slowingVariables": [name for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ],
    })
    task = None
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            command = json.loads(line)
            if "setup" in command:
                if command["setup"] not in TASKS:
                    raise ValueError(f"unknown task {command['setup']!r}; the tasks are {', '.join(TASKS)}")
                task = TASKS[command["setup"]](torch, command)
                reply({"ok": True})
            elif task is None:
                raise ValueError("no task set up yet: send a setup command first")
            elif "calibrate" in command:
                reply({"repetitions": calibrate(task, float(command["calibrate"]))})
            elif "run" in command:
                seconds, result = timed(task, int(command["run"]))
                reply({"seconds": seconds, **result})
            else:
                raise ValueError(f"unknown command {line.strip()!r}; expected setup, calibrate or run")
        except Exception as error:
            reply({"error": f"{type(error).__name__}: {error}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
