#!/usr/bin/env python3
"""Reference trajectories for gradstream's optimizers from PyTorch (float64).

For each variant of src/optim/registry.ts (same names, same options), runs the PyTorch
optimizer on one parameter of six values for eight steps of fixed gradients, halving the
learning rate before step 6 (what a schedule does through setLearningRate), and writes the
parameter after every step and the optimizer's final per-parameter state, under gradstream's
slot names, to test/fixtures/torch-optimizers.json. The tests read that file and never need
Python; test/optim/registry.test.ts fails when a registered variant has no case here.

    /usr/bin/python3 scripts/reference/torch_optimizers.py   # Debian's python3-torch (PyTorch 1.13)
"""
import json
import pathlib

import torch

torch.set_default_dtype(torch.float64)
generator = torch.Generator().manual_seed(20261204)

STEPS = 8
HALVE_AT = 6  # the learning rate is halved before this step (1-based)

# name, gradstream's options, learning rate; the options' PyTorch names follow.
VARIANTS = [
    ("sgd", {}, 0.1),
    ("sgd momentum", {"momentum": 0.9}, 0.1),
    ("sgd dampening", {"momentum": 0.8, "dampening": 0.3}, 0.1),
    ("sgd nesterov", {"momentum": 0.9, "nesterov": True}, 0.1),
    ("sgd weight decay", {"momentum": 0.5, "weightDecay": 0.1}, 0.1),
    ("adam", {}, 0.01),
    ("adam betas", {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, 0.01),
    ("adam weight decay", {"weightDecay": 0.1}, 0.01),
    ("rmsprop", {}, 0.01),
    ("rmsprop alpha", {"alpha": 0.9, "eps": 1e-6}, 0.01),
    ("rmsprop momentum", {"momentum": 0.9}, 0.01),
    ("rmsprop centered", {"centered": True}, 0.01),
    ("rmsprop centered momentum", {"centered": True, "momentum": 0.5}, 0.01),
    ("rmsprop weight decay", {"weightDecay": 0.1}, 0.01),
]

# PyTorch's state names → gradstream's slot names, per optimizer.
SLOT_NAMES = {
    "sgd": {"momentum_buffer": "momentumBuffer"},
    "adam": {"step": "step", "exp_avg": "m", "exp_avg_sq": "v"},
    "rmsprop": {"square_avg": "squareAverage", "grad_avg": "gradientAverage", "momentum_buffer": "momentumBuffer"},
}


def torch_optimizer(kind, param, options, lr):
    if kind == "sgd":
        return torch.optim.SGD([param], lr=lr, momentum=options.get("momentum", 0), dampening=options.get("dampening", 0),
                               nesterov=options.get("nesterov", False), weight_decay=options.get("weightDecay", 0))
    if kind == "adam":
        return torch.optim.Adam([param], lr=lr, betas=(options.get("beta1", 0.9), options.get("beta2", 0.999)),
                                eps=options.get("eps", 1e-8), weight_decay=options.get("weightDecay", 0))
    if kind == "rmsprop":
        return torch.optim.RMSprop([param], lr=lr, alpha=options.get("alpha", 0.99), eps=options.get("eps", 1e-8),
                                   weight_decay=options.get("weightDecay", 0), momentum=options.get("momentum", 0),
                                   centered=options.get("centered", False))
    raise ValueError(kind)


def draw(n):
    """Values of mixed scales (1e-3 … 10) and both signs, one of them zero at some steps."""
    scale = 10.0 ** (torch.rand(n, generator=generator) * 4 - 3)
    sign = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    return scale * sign


def case(name, options, lr):
    kind = name.split(" ")[0]
    theta0 = draw(6)
    gradients = [draw(6) for _ in range(STEPS)]
    gradients[2][3] = 0.0
    param = theta0.clone().requires_grad_(True)
    optimizer = torch_optimizer(kind, param, options, lr)
    thetas = []
    for step, g in enumerate(gradients, start=1):
        if step == HALVE_AT:
            for group in optimizer.param_groups:
                group["lr"] = lr / 2
        param.grad = g.clone()
        optimizer.step()
        thetas.append(param.detach().clone().tolist())
    state = {}
    for theirs, value in optimizer.state[param].items():
        ours = SLOT_NAMES[kind].get(theirs)
        if ours is None or value is None:
            continue  # RMSprop's step count (never used by its rule), SGD's buffer without momentum
        state[ours] = float(value.item()) if value.dim() == 0 else value.tolist()
        if ours == "step":
            state[ours] = int(state[ours])
    return {
        "name": name,
        "optimizer": kind,
        "options": options,
        "learningRate": lr,
        "halveLearningRateAt": HALVE_AT,
        "theta0": theta0.tolist(),
        "gradients": [g.tolist() for g in gradients],
        "thetas": thetas,
        "state": state,
    }


def main():
    cases = [case(*variant) for variant in VARIANTS]
    out = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "torch-optimizers.json"
    document = {"source": f"PyTorch {torch.__version__}, float64, scripts/reference/torch_optimizers.py", "cases": cases}
    out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
