#!/usr/bin/env python3
"""Reference values for gradstream's layers from PyTorch (float64).

Builds each layer with fixed parameters and inputs, runs forward, and backward for a
fixed dy, and writes everything (inputs, parameters, outputs, gradients, running
statistics) to test/fixtures/torch-layers.json, which the unit tests read; the tests
themselves never need Python.

    /usr/bin/python3 scripts/reference/torch_reference.py   # Debian's python3-torch (PyTorch 1.13)
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
generator = torch.Generator().manual_seed(20240611)


def draw(*shape, low=-1.0, high=1.0):
    return torch.rand(*shape, generator=generator) * (high - low) + low


def encode(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def case(name, layer, args, module, x, params, context=None, buffers=None, forward=None, x_grad=True):
    """Runs one layer: `params` maps gradstream's names to the module's tensors."""
    context = context or {"training": True, "step": 0}
    module.train(context["training"])
    with torch.no_grad():
        for ours, theirs in params.items():
            theirs.copy_(draw(*theirs.shape))
    initial_buffers = {k: encode(v) for k, v in (buffers or {}).items()}
    x = x.clone().requires_grad_(x_grad)
    y = (forward or module)(x)
    dy = draw(*y.shape)
    y.backward(dy)
    result = {
        "name": name,
        "layer": layer,
        "args": args,
        "context": context,
        "x": encode(x),
        "params": {k: encode(v) for k, v in params.items()},
        "dy": encode(dy),
        "y": encode(y),
        "dParams": {k: encode(v.grad) for k, v in params.items()},
    }
    if x_grad:
        result["dx"] = encode(x.grad)
    if buffers:
        result["buffers"] = initial_buffers
        result["buffersAfter"] = {k: encode(v) for k, v in buffers.items()}
    return result


def layer_norm_cases():
    m = torch.nn.LayerNorm(4)
    yield case("layerNorm [2, 3, 4]", "layerNorm", [4], m, draw(2, 3, 4, low=-3, high=3), {"gamma": m.weight, "beta": m.bias})
    m = torch.nn.LayerNorm(5, eps=1e-3)
    yield case("layerNorm eps 1e-3", "layerNorm", [5, {"eps": 1e-3}], m, draw(3, 5) * 0.01, {"gamma": m.weight, "beta": m.bias})


def batch_norm_cases():
    for name, module, shape in [
        ("batchNorm1d [4, 3]", torch.nn.BatchNorm1d(3), (4, 3)),
        ("batchNorm1d [2, 3, 5]", torch.nn.BatchNorm1d(3), (2, 3, 5)),
        ("batchNorm2d [2, 2, 3, 3]", torch.nn.BatchNorm2d(2), (2, 2, 3, 3)),
    ]:
        features = shape[1]
        yield case(name, "batchNorm", [features], module, draw(*shape, low=-2, high=3),
                   {"gamma": module.weight, "beta": module.bias},
                   buffers={"running_mean": module.running_mean, "running_var": module.running_var})
    m = torch.nn.BatchNorm1d(3, eps=1e-3, momentum=0.3)
    with torch.no_grad():
        m.running_mean.copy_(draw(3))
        m.running_var.copy_(draw(3, low=0.5, high=2))
    yield case("batchNorm1d eval [4, 3]", "batchNorm", [3, {"eps": 1e-3, "momentum": 0.3}], m, draw(4, 3),
               {"gamma": m.weight, "beta": m.bias}, context={"training": False, "step": 0},
               buffers={"running_mean": m.running_mean, "running_var": m.running_var})
    m = torch.nn.BatchNorm1d(2, momentum=0.3)
    yield case("batchNorm1d momentum 0.3 [3, 2, 2]", "batchNorm", [2, {"momentum": 0.3}], m, draw(3, 2, 2),
               {"gamma": m.weight, "beta": m.bias},
               buffers={"running_mean": m.running_mean, "running_var": m.running_var})


def gelu_cases():
    x = torch.linspace(-4, 4, 33).reshape(3, 11)
    yield case("gelu exact", "gelu", [], torch.nn.GELU(), x, {})
    yield case("gelu tanh", "gelu", [{"approximate": "tanh"}], torch.nn.GELU(approximate="tanh"), x, {})


def conv_cases():
    configs = [
        ("conv2d 3×3 padding 1", [2, 3, 3, {"padding": 1}], dict(padding=1), (2, 2, 5, 4)),
        ("conv2d [2, 3] stride [2, 1] padding [1, 0] dilation [1, 2]",
         [2, 2, [2, 3], {"stride": [2, 1], "padding": [1, 0], "dilation": [1, 2]}],
         dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), (2, 2, 5, 6)),
        ("conv2d 1×1 stride 2 without bias", [3, 2, 1, {"stride": 2, "bias": False}], dict(kernel_size=1, stride=2, bias=False), (1, 3, 5, 5)),
    ]
    for name, args, kwargs, shape in configs:
        kwargs = dict(kwargs)
        kernel = kwargs.pop("kernel_size", args[2])
        m = torch.nn.Conv2d(args[0], args[1], kernel, **kwargs)
        params = {"W": m.weight} if m.bias is None else {"W": m.weight, "b": m.bias}
        yield case(name, "conv2d", args, m, draw(*shape), params)


def pool_cases():
    yield case("maxPool2d 2", "maxPool2d", [2], torch.nn.MaxPool2d(2), draw(2, 2, 4, 5), {})
    yield case("maxPool2d 3 stride 2 padding 1", "maxPool2d", [3, {"stride": 2, "padding": 1}],
               torch.nn.MaxPool2d(3, stride=2, padding=1), draw(1, 2, 5, 5), {})
    ties = torch.tensor([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0], [3.0, 3.0, -1.0, -1.0], [3.0, 3.0, -1.0, -1.0]]]])
    yield case("maxPool2d 2 with ties (gradient to the first maximum)", "maxPool2d", [2], torch.nn.MaxPool2d(2), ties, {})
    yield case("maxPool2d 2 stride 1 overlapping ties", "maxPool2d", [2, {"stride": 1}], torch.nn.MaxPool2d(2, stride=1), ties, {})
    yield case("avgPool2d 2", "avgPool2d", [2], torch.nn.AvgPool2d(2), draw(2, 2, 4, 5), {})
    yield case("avgPool2d 3 stride 2 padding 1", "avgPool2d", [3, {"stride": 2, "padding": 1}],
               torch.nn.AvgPool2d(3, stride=2, padding=1), draw(1, 2, 5, 5), {})
    yield case("avgPool2d 3 stride 2 padding 1 without counting the padding", "avgPool2d",
               [3, {"stride": 2, "padding": 1, "countIncludePad": False}],
               torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), draw(1, 2, 5, 5), {})


def flatten_cases():
    yield case("flatten", "flatten", [], torch.nn.Flatten(), draw(2, 3, 2, 2), {})


def attention_cases():
    configs = [
        ("selfAttention dModel 4, 2 heads", 4, 2, False, (2, 3, 4)),
        ("selfAttention dModel 6, 3 heads, causal", 6, 3, True, (2, 4, 6)),
        ("selfAttention dModel 4, 1 head, causal", 4, 1, True, (1, 5, 4)),
    ]
    for name, d, heads, causal, shape in configs:
        m = torch.nn.MultiheadAttention(d, heads, batch_first=True)
        w, b = m.in_proj_weight, m.in_proj_bias
        # gradstream's Wq, Wk, Wv, bq, bk, bv are the row blocks of PyTorch's stacked in_proj.
        Wq, Wk, Wv = (torch.nn.Parameter(draw(d, d)) for _ in range(3))
        bq, bk, bv = (torch.nn.Parameter(draw(d)) for _ in range(3))
        mask = torch.triu(torch.ones(shape[1], shape[1], dtype=torch.bool), diagonal=1) if causal else None

        def forward(x, m=m, Wq=Wq, Wk=Wk, Wv=Wv, bq=bq, bk=bk, bv=bv, mask=mask, d=d, heads=heads):
            out, _ = F.multi_head_attention_forward(
                x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), d, heads,
                torch.cat([Wq, Wk, Wv]), torch.cat([bq, bk, bv]), None, None, False, 0.0,
                m.out_proj.weight, m.out_proj.bias, training=True, need_weights=False, attn_mask=mask)
            return out.transpose(0, 1)

        options = {"heads": heads, "causal": causal}
        params = {"Wq": Wq, "Wk": Wk, "Wv": Wv, "Wo": m.out_proj.weight, "bq": bq, "bk": bk, "bv": bv, "bo": m.out_proj.bias}
        yield case(name, "selfAttention", [d, options], m, draw(*shape), params, forward=forward)


def embedding_cases():
    m = torch.nn.Embedding(5, 3)
    indices = torch.tensor([[0, 3, 3, 4], [1, 3, 0, 0]])
    yield case("embedding with repeated indices", "embedding", [5, 3], m, indices, {"weight": m.weight},
               forward=lambda x: m(x.long()), x_grad=False)


def main():
    cases = []
    for family in (layer_norm_cases, batch_norm_cases, gelu_cases, conv_cases, pool_cases, flatten_cases, attention_cases, embedding_cases):
        cases.extend(family())
    for c in cases:
        if c["layer"] == "embedding":
            c["x"]["data"] = [float(v) for v in c["x"]["data"]]
    out = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "torch-layers.json"
    document = {"source": f"PyTorch {torch.__version__}, float64, scripts/reference/torch_reference.py", "cases": cases}
    out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
