"""`diffcheck run`, its whitelist: the names a snippet may use — torch functions and dtypes, tensor attributes and
methods, builtins — with the arguments each call accepts, the operators, and the message for each refused construct.
Declared once: the validator (`snippet/parse.py`) refuses anything else, and the interpreter (`snippet/__init__.py`) reads the
same tables.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from .. import engine, ops
from .. import defaults
from ..engine import TORCH_DTYPES

MAX_STEPS = defaults.SNIPPET_MAX_STEPS
MAX_CALL_DEPTH = defaults.SNIPPET_MAX_CALL_DEPTH
TIME_BUDGET = defaults.SNIPPET_TIME_BUDGET
MAX_OUTPUT = defaults.SNIPPET_MAX_OUTPUT


@dataclass(frozen=True)
class Spec:
    """What a call accepts: a range of positional arguments (None: any number) and keyword names ("*": any)."""

    low: int
    high: Optional[int]
    keywords: frozenset = frozenset()


def _spec(low: int, high: Optional[int], *keywords: str) -> Spec:
    return Spec(low, high, frozenset(keywords))


DTYPES = TORCH_DTYPES  # torch's names for the engine's dtypes
CONTEXTS = {"no_grad", "enable_grad", "set_grad_enabled", "inference_mode"}  # with torch.no_grad():, @torch.no_grad()
CREATORS = {
    "tensor": _spec(1, 1, "dtype", "requires_grad", "device"),
    "ones": _spec(1, None, "dtype", "requires_grad", "device"),
    "zeros": _spec(1, None, "dtype", "requires_grad", "device"),
    "empty": _spec(1, None, "dtype", "requires_grad", "device"),  # zeros: PyTorch's memory is not initialised
    "full": _spec(2, 2, "dtype", "requires_grad", "device"),
    "linspace": _spec(3, 3, "dtype", "requires_grad", "device"),
}
# NumPy's names PyTorch's argument parser takes for its own in every torch function and tensor method
NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}
TORCH_EXTRAS = {  # torch functions beyond creators and ops
    "allclose": _spec(2, 5, "rtol", "atol", "equal_nan"),
    "isclose": _spec(2, 5, "rtol", "atol", "equal_nan"),
    "equal": _spec(2, 2),
    "is_grad_enabled": _spec(0, 0),
    "relu_": _spec(1, 1),  # torch.relu_(x), F.relu_(x): x.relu_()
    "leaky_relu_": _spec(1, 2, "negative_slope"),  # F.leaky_relu_(x, s): F.leaky_relu(x, s, inplace=True)
    "elu_": _spec(1, 2, "alpha"),
    "dropout": _spec(1, 4, "p", "training", "inplace"),  # F.dropout (snippet/layers.py)
    "no_grad": _spec(0, 0),
    "enable_grad": _spec(0, 0),
    "set_grad_enabled": _spec(1, 1, "mode"),
    "inference_mode": _spec(0, 1, "mode"),
    "is_inference_mode_enabled": _spec(0, 0),
    "grad": _spec(2, 6, "outputs", "inputs", "grad_outputs", "retain_graph", "create_graph", "allow_unused"),
    "device": _spec(1, 1),
}
AUTOGRAD = {"grad": "function", "Function": "base", "function": "module", "graph": "module", "functional": "module"}
_FUNCTIONAL = ("func", "inputs", "v", "create_graph", "strict")
FUNCTIONAL_AD = {  # torch.autograd.functional (snippet/functional_surface.py)
    "vjp": _spec(2, 5, *_FUNCTIONAL),
    "jvp": _spec(2, 5, *_FUNCTIONAL),
    "vhp": _spec(2, 5, *_FUNCTIONAL),
    "hvp": _spec(2, 5, *_FUNCTIONAL),
    "jacobian": _spec(2, 6, "func", "inputs", "create_graph", "strict", "vectorize", "strategy"),
    "hessian": _spec(2, 6, "func", "inputs", "create_graph", "strict", "vectorize", "outer_jacobian_strategy"),
}
TORCH_EXTRAS.update(FUNCTIONAL_AD)
TORCH_EXTRAS["register_multi_grad_hook"] = _spec(2, 2, "tensors", "fn", "mode")
# torch.autograd.graph: Node, the class of grad_fn objects; hooks (snippet/hook_surface.py)
AUTOGRAD_GRAPH = {
    "Node": "node_class",
    "register_multi_grad_hook": "function",
    **dict.fromkeys(
        ["disable_saved_tensors_hooks", "save_on_cpu", "allow_mutation_on_saved_tensors", "saved_tensors_hooks"],
        "context",
    ),
}
TORCH_EXTRAS["disable_saved_tensors_hooks"] = _spec(1, 1, "error_message")
TORCH_EXTRAS["save_on_cpu"] = _spec(0, 2, "pin_memory", "device_type")
TORCH_EXTRAS["allow_mutation_on_saved_tensors"] = _spec(0, 0)
TORCH_EXTRAS["saved_tensors_hooks"] = _spec(2, 2, "pack_hook", "unpack_hook")
# torch.autograd.function, where Function is defined; @once_differentiable decorates a Function's backward
AUTOGRAD_FUNCTION = {"Function": "base", "once_differentiable": "decorator"}


def base_path(module: str, name: str) -> str:
    """The path a base class is known by (torch.autograd.function.Function is torch.autograd.Function)."""
    return (
        "torch.autograd.Function" if (module, name) == ("torch.autograd.function", "Function") else f"{module}.{name}"
    )


RANDOM = {  # torch's random functions (snippet/random_surface.py); sizes as numbers, or one tuple, list or torch.Size
    "manual_seed": _spec(1, 1, "seed"),
    "seed": _spec(0, 0),
    "initial_seed": _spec(0, 0),
    "Generator": _spec(0, 1, "device"),
    "rand": _spec(0, None, "size", "generator", "dtype", "requires_grad", "device"),
    "randn": _spec(0, None, "size", "generator", "dtype", "requires_grad", "device"),
    "randint": _spec(1, 3, "low", "high", "size", "generator", "dtype", "requires_grad", "device"),
    "randperm": _spec(1, 1, "n", "generator", "dtype", "requires_grad", "device"),
    "normal": _spec(0, 3, "mean", "std", "size", "generator", "dtype", "requires_grad", "device"),
    "rand_like": _spec(1, 1, "dtype", "requires_grad", "device"),
    "randn_like": _spec(1, 1, "dtype", "requires_grad", "device"),
}
TORCH_EXTRAS.update(RANDOM)
# torch.nn's classes and torch.optim's optimizers (snippet/modules.py, snippet/optim.py): called with any arguments,
# which the class checks as PyTorch does; each by the module PyTorch defines it in, which its repr shows
# (`<class 'torch.nn.modules.linear.Linear'>`)
DEFINED_IN = {
    "torch.nn.modules.module": "Module",
    "torch.nn.parameter": "Parameter",
    "torch.nn.modules.linear": "Linear Identity",
    "torch.nn.modules.container": "Sequential",
    "torch.nn.modules.activation": "ReLU LeakyReLU ELU Tanh Sigmoid Softmax LogSoftmax GELU SiLU Softplus Hardtanh ReLU6 "
    "SELU CELU Mish Softsign Hardsigmoid Hardswish LogSigmoid",
    "torch.nn.modules.flatten": "Flatten",
    "torch.nn.modules.sparse": "Embedding",
    "torch.nn.modules.dropout": "Dropout",
    "torch.nn.modules.normalization": "LayerNorm",
    "torch.nn.modules.loss": "MSELoss L1Loss SmoothL1Loss HuberLoss BCELoss BCEWithLogitsLoss CrossEntropyLoss NLLLoss",
    "torch.optim.sgd": "SGD",
    "torch.optim.adam": "Adam",
    "torch.optim.adamw": "AdamW",
    "torch.optim.rmsprop": "RMSprop",
}
CLASS_MODULES = {name: path for path, names in DEFINED_IN.items() for name in names.split()}
NN_CLASSES = [name for name, path in CLASS_MODULES.items() if path.startswith("torch.nn.")]
OPTIMIZERS = [name for name, path in CLASS_MODULES.items() if path.startswith("torch.optim.")]
# attributes and methods of those objects (and of a torch.Generator) a snippet may name; the attributes a snippet's
# own nn.Module classes assign (`self.fc1 = ...`) and their methods are added per snippet by the validator
OBJECT_MEMBERS = set(
    "parameters named_parameters zero_grad train eval state_dict forward training weight bias in_features "
    "out_features step param_groups state add_param_group manual_seed initial_seed seed apply".split()
)
CLASS_ATTRIBUTES = {"apply", "forward"}  # of a snippet's classes: `F.apply(x)`, `F.forward(ctx, x)`
MATH = {
    **dict.fromkeys(
        "sqrt exp log log2 log10 log1p expm1 sin cos tan tanh sinh cosh asin acos atan atan2 pow fabs floor ceil "
        "trunc isclose isnan isinf isfinite copysign hypot degrees radians".split(),
        "function",
    ),
    **dict.fromkeys("pi e inf nan tau".split(), "constant"),
}
EXCEPTIONS = {  # Python's exception classes a snippet may catch or raise, each with its bases
    "Exception": (),
    "ArithmeticError": ("Exception",),
    "LookupError": ("Exception",),
    "RuntimeError": ("Exception",),
    "NotImplementedError": ("RuntimeError", "Exception"),
    "TypeError": ("Exception",),
    "ValueError": ("Exception",),
    "IndexError": ("LookupError", "Exception"),
    "KeyError": ("LookupError", "Exception"),
    "ZeroDivisionError": ("ArithmeticError", "Exception"),
    "OverflowError": ("ArithmeticError", "Exception"),
    "NameError": ("Exception",),
    "UnboundLocalError": ("NameError", "Exception"),
    "AttributeError": ("Exception",),
    "AssertionError": ("Exception",),
    "StopIteration": ("Exception",),
    "UserWarning": ("Warning", "Exception"),
    "Warning": ("Exception",),
}
# torch.nn.functional's activations that take `inplace=` (only relu's in-place form runs: snippet/op_calls.py)
INPLACE_FUNCTIONAL = set("relu relu6 elu selu celu leaky_relu hardtanh silu mish hardsigmoid hardswish".split())
# The op table's spellings, kept in step with it (`_sync`). Those a module lacks are "missing": using one raises
# PyTorch's AttributeError when it runs (torch.softplus is only torch.nn.functional.softplus).
OP_FUNCTIONS: dict[str, Spec] = {}
TORCH: dict[str, str] = {}
FUNCTIONAL: dict[str, str] = {}
LINALG: dict[str, str] = {}
MODULES = {
    "torch": TORCH,
    "torch.nn.functional": FUNCTIONAL,
    "torch.linalg": LINALG,
    "torch.autograd": AUTOGRAD,
    "torch.autograd.function": AUTOGRAD_FUNCTION,
    "torch.autograd.graph": AUTOGRAD_GRAPH,
    "torch.autograd.functional": dict.fromkeys(FUNCTIONAL_AD, "function"),
    "torch.nn": {"functional": "module", **dict.fromkeys(NN_CLASSES, "callable")},
    "torch.optim": dict.fromkeys(OPTIMIZERS, "callable"),
    "math": MATH,
}
_OP_METHODS: dict[str, Spec] = {}
_OP_ATTRIBUTES: set[str] = set()  # the op table's attribute spellings (x.T), in TENSOR_ATTRIBUTES too


def _sync() -> None:
    """Rebuild the tables above from the op table's spellings (in place: the validator holds them)."""
    for table in (OP_FUNCTIONS, TORCH, FUNCTIONAL, LINALG, _OP_METHODS):
        table.clear()
    TENSOR_ATTRIBUTES.difference_update(_OP_ATTRIBUTES)
    _OP_ATTRIBUTES.clear()
    for name, sig in ops.SIGNATURES.items():
        spelling = ops.dispatch.SPELLINGS[name]
        varargs = bool(sig.params) and ops.kind_of(sig.params[0]) == "shape"  # x.view(2, 3): sizes as varargs
        most = None if varargs else sig.arity + len(sig.positional)
        creation = any(ops.kind_of(p) == "dtype" for p in sig.params)  # arange, eye, zeros_like ...
        extra = ("requires_grad", "device") if creation else ("inplace",) if name in INPLACE_FUNCTIONAL else ()
        OP_FUNCTIONS[name] = _spec(sig.arity, most, *sig.params, *extra)
        TORCH[name] = "function" if spelling.torch else "missing"
        FUNCTIONAL[name] = "function" if spelling.functional else "missing"
        LINALG[name] = "function" if spelling.linalg else "missing"
        if spelling.attribute:  # x.T, x.mT: read, not called
            _OP_ATTRIBUTES.add(name)
        elif spelling.method:
            _OP_METHODS[name] = _spec(sig.arity - 1, None if most is None else most - 1, *sig.params)
            if hasattr(engine.Tensor, name + "_") and name + "_" not in _PLAIN_METHODS:  # exp_, pow_ ...
                _OP_METHODS[name + "_"] = _OP_METHODS[name]
    TORCH.update(
        {
            **dict.fromkeys(CREATORS, "function"),
            **dict.fromkeys(DTYPES, "dtype"),
            **dict.fromkeys(CONTEXTS, "context"),
            **dict.fromkeys(
                ["allclose", "isclose", "equal", "is_grad_enabled", "is_inference_mode_enabled", "device", "relu_"],
                "function",
            ),
            **dict.fromkeys(RANDOM, "function"),
            "nn": "module",
            "linalg": "module",
            "optim": "module",
            "autograd": "module",
            "Tensor": "class",
        }
    )
    FUNCTIONAL.update(dict.fromkeys(["relu_", "leaky_relu_", "elu_", "dropout"], "function"))
    for name in [name for name in TENSOR_METHODS if name not in _PLAIN_METHODS]:
        del TENSOR_METHODS[name]
    TENSOR_METHODS.update(_OP_METHODS)
    TENSOR_ATTRIBUTES.update(_OP_ATTRIBUTES)


TENSOR_ATTRIBUTES = {
    "values",  # of torch.return_types (max(x, dim))
    "indices",
    "grad",
    "requires_grad",
    "is_leaf",
    "grad_fn",
    "retains_grad",
    "dtype",
    "shape",
    "data",
    "next_functions",
    "_version",  # how many in-place changes its storage had (a view's base's)
    "_base",  # the tensor it is a view of, or None
    "grad_dtype",  # PyTorch 2.13: the dtype backward casts a leaf's gradient to
}  # `next_functions` is grad_fn.next_functions
SETTABLE = {"grad", "requires_grad", "data", "grad_dtype"}
_PLAIN_METHODS = {
    "backward": _spec(0, 4, "gradient", "retain_graph", "create_graph", "inputs"),
    "register_hook": _spec(1, 1, "hook"),  # a tensor's, and grad_fn.register_hook(hook)
    "register_prehook": _spec(1, 1, "hook"),  # grad_fn's
    "register_post_accumulate_grad_hook": _spec(1, 1, "hook"),
    "remove": _spec(0, 0),  # a hook's handle
    "add_": _spec(1, 1, "alpha"),
    "sub_": _spec(1, 1, "alpha"),
    "mul_": _spec(1, 1),
    "div_": _spec(1, 1),
    "fill_": _spec(1, 1),
    "copy_": _spec(1, 1),
    "clamp_": _spec(0, 2, "min", "max"),
    "retain_grad": _spec(0, 0),
    "is_inference": _spec(0, 0),
    "equal": _spec(0, 1, "other"),  # torch.equal's method: a Python bool
    "requires_grad_": _spec(0, 1, "requires_grad"),
    "detach": _spec(0, 0),
    "clone": _spec(0, 0),
    "item": _spec(0, 0),
    "tolist": _spec(0, 0),
    "zero_": _spec(0, 0),
    "dim": _spec(0, 0),
    "numel": _spec(0, 0),
    "nelement": _spec(0, 0),  # numel's other name (Karpathy's makemore counts parameters with it)
    "size": _spec(0, 0),
    "name": _spec(0, 0),
    "uniform_": _spec(0, 2, "generator"),
    "random_": _spec(1, 2, "generator"),
    "normal_": _spec(0, 2, "mean", "std", "generator"),
}  # `name` is grad_fn.name()
TENSOR_METHODS = dict(_PLAIN_METHODS)  # and the op table's methods (`_sync`)
_sync()
ops.subscribe(_sync)
VALUE_METHODS = {  # methods of Python's lists, dicts and strings a snippet may call
    "append": _spec(1, 1),
    "extend": _spec(1, 1),
    "pop": _spec(0, 1),
    "insert": _spec(2, 2),
    "index": _spec(1, 1),
    "count": _spec(1, 1),
    "items": _spec(0, 0),
    "keys": _spec(0, 0),
    "values": _spec(0, 0),
    "get": _spec(1, 2),
    "format": _spec(0, None, "*"),
    "join": _spec(1, 1),
    "upper": _spec(0, 0),
    "lower": _spec(0, 0),
    "strip": _spec(0, 1),
    "split": _spec(0, 2),
    "replace": _spec(2, 2),
    "startswith": _spec(1, 1),
    "endswith": _spec(1, 1),
    "remove": _spec(1, 1),  # a list's (a hook handle's is a tensor method's: `method_spec`)
    "reverse": _spec(0, 0),
    "clear": _spec(0, 0),
    "copy": _spec(0, 0),
    "sort": _spec(0, 0, "key", "reverse"),  # a list's (a tensor's is the op's)
    "setdefault": _spec(1, 2),
}


def method_spec(name: str) -> Spec:
    """What `v.NAME(...)` may take, before the run tells what `v` is: a name both a tensor's (or a hook handle's) and a
    list's or string's (`remove`, `sort`, `split`) takes what either takes; the call checks its receiver's at run time."""
    specs = [spec for spec in (TENSOR_METHODS.get(name), VALUE_METHODS.get(name)) if spec is not None]
    if len(specs) == 1:
        return specs[0]
    highs = [spec.high for spec in specs]
    return Spec(
        min(spec.low for spec in specs),
        None if None in highs else max(highs),
        frozenset().union(*(spec.keywords for spec in specs)),
    )


BUILTINS = {
    "print": _spec(0, None, "sep", "end", "flush"),
    "range": _spec(1, 3),
    "enumerate": _spec(1, 2, "start"),
    "zip": _spec(0, None),
    "min": _spec(1, None),
    "max": _spec(1, None),
    "sum": _spec(1, 2, "start"),
    "list": _spec(0, 1),
    "tuple": _spec(0, 1),
    "dict": _spec(0, 1, "*"),
    "bool": _spec(0, 1),
    "sorted": _spec(1, 1, "key", "reverse"),
    "map": _spec(2, None),
    "filter": _spec(2, 2),
    "getattr": _spec(2, 3),
    "setattr": _spec(3, 3),
    "hasattr": _spec(2, 2),
    "reversed": _spec(1, 1),
    "isinstance": _spec(2, 2),
    "any": _spec(1, 1),
    "all": _spec(1, 1),
    **{name: _spec(0, 1) for name in EXCEPTIONS},
    "abs": _spec(1, 1),
    "float": _spec(1, 1),
    "int": _spec(1, 1),
    "str": _spec(1, 1),
    "repr": _spec(1, 1),
    "round": _spec(1, 2),
    "len": _spec(1, 1),
    "super": _spec(0, 2),
    "type": _spec(1, 1),  # of an nn module or the snippet's objects: its class, compared with `is` / `==`
}
# the snippet's classes (snippet/classes.py): the special methods they may define, and what decorates a method
SPECIAL_METHODS = ("__init__", "__call__", "__repr__", "__str__", "__len__", "__getitem__")
METHOD_DECORATORS = ("staticmethod", "classmethod", "property")

_OPERATORS = {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.FloorDiv, ast.Mod}
_REFUSED_OPERATORS = {
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
}
_COMPARISONS = {ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn}
_REFUSED = {  # node type -> the message
    ast.AsyncFunctionDef: "function definitions are not supported",
    ast.Delete: "del is not supported",
    ast.Global: "global is not supported",
    ast.Nonlocal: "nonlocal is not supported",
    ast.AnnAssign: "annotated assignment is not supported",
    ast.Match: "match statements are not supported",
    ast.AsyncFor: "async for is not supported",
    ast.AsyncWith: "async with is not supported",
    ast.SetComp: "comprehensions are not supported",
    ast.Set: "sets are not supported",
    ast.Starred: "starred expressions are not supported",
    ast.NamedExpr: "the walrus operator ':=' is not supported",
    ast.Await: "await is not supported",
    ast.Yield: "yield is not supported",
    ast.YieldFrom: "yield is not supported",
}
if hasattr(ast, "TryStar"):
    _REFUSED[ast.TryStar] = "try statements are not supported"
