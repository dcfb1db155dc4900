"""`diffcheck run`, torch.nn's classes: `nn.Module`, `nn.Parameter`, `nn.Linear` and `nn.Embedding` (PyTorch's
initialisation), `nn.LayerNorm`, `nn.Dropout` (and F.dropout), `nn.Sequential`, the activations and the loss
objects, each made by a factory `(interp, args, kwargs, node)`.

Layers compute through the op table. A loss object is a thin wrapper: its forward calls the table's row by
torch.nn.functional's name with its options (`nn.MSELoss()(a, b)` is `F.mse_loss(a, b, reduction=...)`).
"""

from __future__ import annotations

import ast
import math

from .. import engine
from ..engine import type_name
from ..ops.arrays import TYPE_NAMES
from .modules import ModuleValue, parameter
from .torch_surface import Raised

# loss class -> (torch.nn.functional's name, its keyword arguments and defaults, in PyTorch's order)
LOSSES = {
    "MSELoss": ("mse_loss", {"reduction": "mean"}),
    "L1Loss": ("l1_loss", {"reduction": "mean"}),
    "SmoothL1Loss": ("smooth_l1_loss", {"reduction": "mean", "beta": 1.0}),
    "HuberLoss": ("huber_loss", {"reduction": "mean", "delta": 1.0}),
    "BCELoss": ("binary_cross_entropy", {"weight": None, "reduction": "mean"}),
    "BCEWithLogitsLoss": (
        "binary_cross_entropy_with_logits",
        {"weight": None, "reduction": "mean", "pos_weight": None},
    ),
    "CrossEntropyLoss": (
        "cross_entropy",
        {"weight": None, "ignore_index": -100, "reduction": "mean", "label_smoothing": 0.0},
    ),
    "NLLLoss": ("nll_loss", {"weight": None, "ignore_index": -100, "reduction": "mean"}),
}
ACTIVATIONS = {
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "Tanh": "tanh",
    "Sigmoid": "sigmoid",
    "GELU": "gelu",
    "SiLU": "silu",
    "Softplus": "softplus",
    "Hardtanh": "hardtanh",
    "ReLU6": "relu6",
    "SELU": "selu",
    "CELU": "celu",
    "Mish": "mish",
    "Softsign": "softsign",
    "Hardsigmoid": "hardsigmoid",
    "Hardswish": "hardswish",
    "LogSigmoid": "logsigmoid",
}
_INPLACE = {"inplace": False}
_ACTIVATION_OPTIONS = {  # the constructor's arguments in order, with their defaults
    "ReLU": _INPLACE,
    "LeakyReLU": {"negative_slope": 0.01, "inplace": False},
    "ELU": {"alpha": 1.0, "inplace": False},
    "GELU": {"approximate": "none"},
    "SiLU": _INPLACE,
    "Softplus": {"beta": 1.0, "threshold": 20.0},
    "Hardtanh": {"min_val": -1.0, "max_val": 1.0, "inplace": False},
    "ReLU6": _INPLACE,
    "SELU": _INPLACE,
    "CELU": {"alpha": 1.0, "inplace": False},
    "Mish": _INPLACE,
    "Hardsigmoid": _INPLACE,
    "Hardswish": _INPLACE,
}
# options printed but not the row's: only their defaults run (softplus's beta 1, threshold 20)
_SHOWN_ONLY = {"Softplus"}


def _options(name: str, args: list, kwargs: dict, accepted: dict, node: ast.AST) -> dict:
    """A layer's arguments by position and keyword over `accepted` (name -> default), with Python's TypeErrors."""
    if len(args) > len(accepted):
        raise Raised(
            "TypeError",
            f"{name}.__init__() takes from 1 to {len(accepted) + 1} positional arguments but {len(args) + 1} were given",
            node.lineno,
        )
    options = dict(zip(accepted, args))
    for key, value in kwargs.items():
        if key not in accepted:
            raise Raised("TypeError", f"{name}.__init__() got an unexpected keyword argument '{key}'", node.lineno)
        if key in options:
            raise Raised("TypeError", f"{name}.__init__() got multiple values for argument '{key}'", node.lineno)
        options[key] = value
    return {**accepted, **options}


def _one_input(module: ModuleValue, args: list, kwargs: dict, node: ast.AST):
    if len(args) != 1 or kwargs:
        raise Raised(
            "TypeError",
            f"{module.name}.forward() takes 2 positional arguments but {len(args) + 1} were given",
            node.lineno,
        )
    return args[0]


# ---- nn.Module, nn.Parameter ----------------------------------------------------------------------------------------
def make_module(interp, args, kwargs, node):
    return ModuleValue("Module", initialised=True)


def make_parameter(interp, args, kwargs, node):
    options = _options("Parameter", args, kwargs, {"data": None, "requires_grad": True}, node)
    data = options["data"]
    if data is None:
        data = engine.tensor([])
    if not isinstance(data, engine.Tensor):
        raise Raised(
            "TypeError", f"Parameter.__new__() argument 'data' must be Tensor, not {type_name(data)}", node.lineno
        )
    result = interp._engine(parameter, node, data.data, False)
    interp._engine(result.requires_grad_, node, options["requires_grad"])
    interp.tracer.leaf(result, interp.source(node), interp.position(node))
    return result


# ---- nn.Linear ------------------------------------------------------------------------------------------------------
def make_linear(interp, args, kwargs, node):
    options = _options(
        "Linear",
        args,
        kwargs,
        {"in_features": None, "out_features": None, "bias": True, "device": None, "dtype": None},
        node,
    )
    fan_in, fan_out = options["in_features"], options["out_features"]
    if type(fan_in) is not int or type(fan_out) is not int or fan_in <= 0 or fan_out <= 0:
        raise interp.fail("nn.Linear takes two positive integers (in_features, out_features)", node)
    if options["device"] not in (None, "cpu"):
        raise interp.fail("only the CPU device is supported", node)
    dtype = options["dtype"]
    generator = interp._default_generator().generator
    # reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), then the bias uniform on +-1/sqrt(fan_in)
    gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
    bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
    weight = engine.zeros(fan_out, fan_in, dtype=dtype)
    weight.uniform_(-bound, bound, generator=generator)
    made = [("weight", weight)]
    if options["bias"]:  # bias=False draws no numbers and keeps `bias` None, as PyTorch's register_parameter
        bias = engine.zeros(fan_out, dtype=dtype)
        bias_bound = 1 / math.sqrt(fan_in)
        bias.uniform_(-bias_bound, bias_bound, generator=generator)
        made.append(("bias", bias))
    module = ModuleValue("Linear", forward_impl=_linear_forward, extra=_linear_repr, initialised=True)
    module.attrs.update(in_features=fan_in, out_features=fan_out)
    if not options["bias"]:
        module.attrs["bias"] = None
    label, pos = interp.source(node), interp.position(node)
    for name, tensor in made:
        module.params[name] = parameter(tensor.data)
        interp.tracer.leaf(module.params[name], f"{label}.{name}", pos)
    return module


def _linear_forward(interp, module, args, kwargs, node):
    x = _one_input(module, args, kwargs, node)
    if not isinstance(x, engine.Tensor):
        raise Raised(
            "TypeError", f"linear(): argument 'input' (position 1) must be Tensor, not {type_name(x)}", node.lineno
        )
    return interp.op("linear", [x, module.params["weight"], module.params.get("bias")], {}, node)


def _linear_repr(module) -> str:
    return (
        f"in_features={module.attrs['in_features']}, out_features={module.attrs['out_features']}, "
        f"bias={module.params.get('bias') is not None}"
    )


# ---- nn.Embedding ---------------------------------------------------------------------------------------------------
def make_embedding(interp, args, kwargs, node):
    options = _options(
        "Embedding",
        args,
        kwargs,
        {
            "num_embeddings": None,
            "embedding_dim": None,
            "padding_idx": None,
            "max_norm": None,
            "norm_type": 2.0,
            "scale_grad_by_freq": False,
            "sparse": False,
            "_weight": None,
            "_freeze": False,
            "device": None,
            "dtype": None,
        },
        node,
    )
    rows, dim = options["num_embeddings"], options["embedding_dim"]
    if type(rows) is not int or type(dim) is not int or rows <= 0 or dim <= 0:
        raise interp.fail("nn.Embedding takes two positive integers (num_embeddings, embedding_dim)", node)
    for name, default in (("padding_idx", None), ("max_norm", None), ("scale_grad_by_freq", False), ("sparse", False)):
        if options[name] != default:
            raise interp.fail(f"nn.Embedding({name}=...) is not supported", node)
    if options["_weight"] is not None or options["_freeze"]:
        raise interp.fail("nn.Embedding(_weight=..., _freeze=...) is not supported", node)
    if options["device"] not in (None, "cpu"):
        raise interp.fail("only the CPU device is supported", node)
    weight = engine.zeros(rows, dim, dtype=options["dtype"])
    weight.normal_(generator=interp._default_generator().generator)  # reset_parameters: init.normal_(weight)
    module = ModuleValue("Embedding", forward_impl=_embedding_forward, extra=_embedding_repr, initialised=True)
    module.attrs.update(num_embeddings=rows, embedding_dim=dim)
    module.params["weight"] = parameter(weight.data)
    interp.tracer.leaf(module.params["weight"], f"{interp.source(node)}.weight", interp.position(node))
    return module


def _embedding_forward(interp, module, args, kwargs, node):
    return interp.op("embedding", [_one_input(module, args, kwargs, node), module.params["weight"]], {}, node)


def _embedding_repr(module) -> str:
    return f"{module.attrs['num_embeddings']}, {module.attrs['embedding_dim']}"


# ---- nn.LayerNorm ---------------------------------------------------------------------------------------------------
def make_layer_norm(interp, args, kwargs, node):
    options = _options(
        "LayerNorm",
        args,
        kwargs,
        {
            "normalized_shape": None,
            "eps": 1e-05,
            "elementwise_affine": True,
            "bias": True,
            "device": None,
            "dtype": None,
        },
        node,
    )
    shape = options["normalized_shape"]
    shape = (shape,) if type(shape) is int else shape
    if type(shape) not in (tuple, list) or not all(type(n) is int and n > 0 for n in shape):
        raise interp.fail("nn.LayerNorm takes normalized_shape as a positive integer or a tuple of them", node)
    if type(options["eps"]) not in (int, float):
        raise interp.fail("nn.LayerNorm's eps must be a number", node)
    if options["device"] not in (None, "cpu"):
        raise interp.fail("only the CPU device is supported", node)
    affine, bias = options["elementwise_affine"], options["bias"]
    module = ModuleValue("LayerNorm", forward_impl=_layer_norm_forward, extra=_layer_norm_repr, initialised=True)
    module.attrs.update(normalized_shape=tuple(shape), eps=options["eps"], elementwise_affine=affine)
    made = [("weight", engine.ones(*shape, dtype=options["dtype"]))] if affine else []
    if affine and bias:
        made.append(("bias", engine.zeros(*shape, dtype=options["dtype"])))
    if not (affine and bias):  # PyTorch's register_parameter(..., None)
        module.attrs["bias"] = None
    if not affine:
        module.attrs["weight"] = None
    label, pos = interp.source(node), interp.position(node)
    for name, tensor in made:
        module.params[name] = parameter(tensor.data)
        interp.tracer.leaf(module.params[name], f"{label}.{name}", pos)
    return module


def _layer_norm_forward(interp, module, args, kwargs, node):
    """F.layer_norm(input, normalized_shape, self.weight, self.bias, eps); a weight without a bias (bias=False) is
    the weight's product plus a constant 0, the same numbers (fma(y, w, 0) is y * w)."""
    x = _one_input(module, args, kwargs, node)
    attrs = module.attrs
    weight, bias = (module.params.get(name, attrs.get(name)) for name in ("weight", "bias"))
    if weight is not None and bias is None:
        bias = engine.zeros(*attrs["normalized_shape"], dtype=weight.dtype)
    params = {"normalized_shape": attrs["normalized_shape"], "eps": attrs["eps"], "weight": weight, "bias": bias}
    return interp.op("layer_norm", [x], params, node)


def _layer_norm_repr(module) -> str:
    attrs = module.attrs
    return (
        f"{attrs['normalized_shape']}, eps={attrs['eps']}, elementwise_affine={attrs['elementwise_affine']}, "
        f"bias={'bias' in module.params}"
    )


# ---- nn.Dropout, F.dropout -----------------------------------------------------------------------------------------
def dropout(interp, x, p, training: bool, inplace: bool, node):
    """F.dropout as ATen's _dropout_impl on the CPU: the input itself when not training, for p == 0 or no elements;
    else input * noise (MulBackward0), the noise bernoulli_(1 - p) / (1 - p) from the run's generator, PyTorch's
    draws bit for bit. The noise is a constant of the verification, its own leaf."""
    if not isinstance(x, engine.Tensor):
        raise Raised(
            "TypeError", f"dropout(): argument 'input' (position 1) must be Tensor, not {type_name(x)}", node.lineno
        )
    if type(p) not in (int, float, bool) or not 0 <= p <= 1:
        raise Raised("ValueError", f"dropout probability has to be between 0 and 1, but got {p}", node.lineno)
    if inplace:
        raise interp.fail("dropout(inplace=True) is not supported (write it out of place)", node)
    if p == 0 or not training or x.numel() == 0:
        return x
    if not x.dtype.is_floating_point:
        kind = TYPE_NAMES[x.data.dtype][0]
        raise Raised("RuntimeError", f"result type Float can't be cast to the desired output type {kind}", node.lineno)
    noise = interp._engine(engine.dropout_noise, node, x, p, generator=interp._default_generator().generator)
    interp.tracer.leaf(noise, f"dropout_noise({interp.source(node)})", interp.position(node))
    return interp.op("mul", [x, noise], {}, node)


def functional_dropout(interp, args, kwargs, node):
    """F.dropout(input, p=0.5, training=True, inplace=False)."""
    names = ("input", "p", "training", "inplace")
    for name in names[: len(args)]:
        if name in kwargs:
            raise Raised("TypeError", f"dropout() got multiple values for argument '{name}'", node.lineno)
    given = {"p": 0.5, "training": True, "inplace": False, **dict(zip(names, args)), **kwargs}
    return dropout(interp, given["input"], given["p"], given["training"], given["inplace"], node)


def make_dropout(interp, args, kwargs, node):
    options = _options("Dropout", args, kwargs, {"p": 0.5, "inplace": False}, node)
    p = options["p"]
    if type(p) not in (int, float, bool) or not 0 <= p <= 1:
        raise Raised("ValueError", f"dropout probability has to be between 0 and 1, but got {p}", node.lineno)

    def forward(interp, module, args, kwargs, node):
        x = _one_input(module, args, kwargs, node)
        return dropout(interp, x, p, module.training, options["inplace"], node)

    extra = f"p={p}, inplace={options['inplace']}"
    return ModuleValue("Dropout", forward_impl=forward, extra=lambda module: extra, initialised=True)


# ---- nn.Sequential --------------------------------------------------------------------------------------------------
def make_sequential(interp, args, kwargs, node):
    if kwargs:
        raise Raised(
            "TypeError", f"Sequential.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'", node.lineno
        )
    module = ModuleValue("Sequential", forward_impl=_sequential_forward, initialised=True)
    for index, layer in enumerate(args):
        if not isinstance(layer, ModuleValue):
            raise Raised("TypeError", f"{_module_type(layer)} is not a Module subclass", node.lineno)
        module.modules[str(index)] = layer
    return module


def _module_type(value) -> str:
    return "torch.FloatTensor" if isinstance(value, engine.Tensor) else type_name(value)


def _sequential_forward(interp, module, args, kwargs, node):
    value = _one_input(module, args, kwargs, node)
    for layer in module.modules.values():
        value = layer.invoke(interp, [value], {}, node)
    return value


# ---- activations, Softmax, Flatten, Identity ------------------------------------------------------------------------
def _activation(name: str, op: str):
    options = _ACTIVATION_OPTIONS.get(name, {})

    def make(interp, args, kwargs, node):
        if not options and (args or kwargs):
            raise Raised(
                "TypeError",
                f"{name}.__init__() takes 1 positional argument but {len(args) + 1} were given",
                node.lineno,
            )
        given = _options(name, args, kwargs, options, node)
        shown = {k: v for k, v in given.items() if k != "inplace"}
        if name in _SHOWN_ONLY and shown != {k: v for k, v in options.items() if k != "inplace"}:
            raise interp.fail(
                f"nn.{name} with {', '.join(shown)} other than {_defaults(options)} is not supported", node
            )
        params = {} if name in _SHOWN_ONLY else shown
        inplace = given.get("inplace", False)

        def forward(interp, module, args, kwargs, node):
            x = _one_input(module, args, kwargs, node)
            if not inplace:
                return interp.op(op, [x], params, node)
            if op not in ("relu", "leaky_relu", "elu"):
                raise interp.fail(f"nn.{name}(inplace=True) is not supported (write it out of place)", node)
            return interp.op(op, [x], {**params, "inplace": True}, node)

        def extra(module) -> str:  # PyTorch's extra_repr: the options, then ", inplace=True" when set
            return ", ".join(
                [f"{k}={v!r}" if type(v) is str else f"{k}={v}" for k, v in shown.items()] + ["inplace=True"] * inplace
            )

        return ModuleValue(name, forward_impl=forward, extra=extra, initialised=True)

    return make


def _defaults(options: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in options.items() if k != "inplace")


def _normaliser(name: str, op: str):
    def make(interp, args, kwargs, node):
        dim = _options(name, args, kwargs, {"dim": None}, node)["dim"]
        if type(dim) is not int:
            raise interp.fail(f"nn.{name} needs dim= (an integer); PyTorch's implicit dim is deprecated", node)

        def forward(interp, module, args, kwargs, node):
            return interp.op(op, [_one_input(module, args, kwargs, node)], {"dim": dim}, node)

        return ModuleValue(name, forward_impl=forward, extra=lambda module: f"dim={dim}", initialised=True)

    return make


def make_flatten(interp, args, kwargs, node):
    options = _options("Flatten", args, kwargs, {"start_dim": 1, "end_dim": -1}, node)

    def forward(interp, module, args, kwargs, node):
        x = _one_input(module, args, kwargs, node)
        return interp.op("flatten", [x], dict(options), node)

    extra = f"start_dim={options['start_dim']}, end_dim={options['end_dim']}"
    return ModuleValue("Flatten", forward_impl=forward, extra=lambda module: extra, initialised=True)


def make_identity(interp, args, kwargs, node):
    return ModuleValue("Identity", forward_impl=lambda i, m, a, k, n: _one_input(m, a, k, n), initialised=True)


# ---- losses ---------------------------------------------------------------------------------------------------------
def _loss(name: str):
    functional, accepted = LOSSES[name]

    def make(interp, args, kwargs, node):
        if args or "size_average" in kwargs or "reduce" in kwargs:
            raise interp.fail(f"nn.{name} takes its options by keyword ({', '.join(accepted)})", node)
        options = _options(name, [], kwargs, accepted, node)
        if options["reduction"] not in ("mean", "sum", "none"):
            raise Raised("ValueError", f"{options['reduction']} is not a valid value for reduction", node.lineno)

        def forward(interp, module, args, kwargs, node):
            if len(args) != 2 or kwargs:
                raise Raised(
                    "TypeError",
                    f"{name}.forward() takes 3 positional arguments but {len(args) + 1} were given",
                    node.lineno,
                )
            return interp.op(functional, list(args), options, node)

        return ModuleValue(name, forward_impl=forward, initialised=True)

    return make


FACTORIES = {
    "torch.nn.Module": make_module,
    "torch.nn.Parameter": make_parameter,
    "torch.nn.Linear": make_linear,
    "torch.nn.Embedding": make_embedding,
    "torch.nn.LayerNorm": make_layer_norm,
    "torch.nn.Dropout": make_dropout,
    "torch.nn.Sequential": make_sequential,
    "torch.nn.Softmax": _normaliser("Softmax", "softmax"),
    "torch.nn.LogSoftmax": _normaliser("LogSoftmax", "log_softmax"),
    "torch.nn.Flatten": make_flatten,
    "torch.nn.Identity": make_identity,
    **{f"torch.nn.{name}": _activation(name, op) for name, op in ACTIVATIONS.items()},
    **{f"torch.nn.{name}": _loss(name) for name in LOSSES},
}
