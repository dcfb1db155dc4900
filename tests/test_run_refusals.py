"""`diffcheck run` refuses, before anything runs, every construct it does not support — each with its exact message
and place — and stops with one line when a snippet does something the engine cannot model or passes a limit."""

from __future__ import annotations

import pytest

from diffcheck.errors import DiffcheckError
from diffcheck.snippet import run_snippet, verify
from diffcheck.snippet.parse import parse_snippet

from torch_texts import (  # noqa: E402 - tests/ is on sys.path under pytest
    CLAMP_NO_BOUND,
    MEAN_OVERLOADS,
    METHOD_OVERLOADS,
    NEG_BOOL,
    POW_OVERLOADS,
    SUB_BOOL,
    SUB_BOOLS,
    SUM_OVERLOADS,
)

T = "import torch\nx = torch.tensor(1.0, requires_grad=True)\n"  # two lines: messages below point at line 3


def refusal(text: str) -> str:
    with pytest.raises(DiffcheckError) as caught:
        parse_snippet(text, "s.py")
    return str(caught.value)


LOOP = "use 'for _ in range(N)' with a literal N <= 1000, or 'for v in [...]'"
REFUSED = [
    # imports
    ("import numpy", "s.py:1:8: import of 'numpy' is not supported (only torch and math)"),
    ("import torch, os.path", "s.py:1:15: import of 'os.path' is not supported (only torch and math)"),
    ("from os import path", "s.py:1:1: import of 'os' is not supported (only torch and math)"),
    ("from . import x", "s.py:1:1: import of '.' is not supported (only torch and math)"),
    ("from torch import *", "s.py:1:19: 'import *' is not supported"),
    ("from torch import empty_like", "s.py:1:19: 'torch.empty_like' is not supported"),
    ("from torch import softplus", "s.py:1:19: 'torch.softplus' is not supported"),  # torch.nn.functional's only
    ("from torch.nn.functional import sin", "s.py:1:33: 'torch.nn.functional.sin' is not supported"),
    ("from torch.nn import Conv2d", "s.py:1:22: 'torch.nn.Conv2d' is not supported"),
    (
        "import torch.utils as u",
        "s.py:1:8: 'torch.utils' is not supported (import torch, torch.nn as nn, torch.optim as optim, or "
        "torch.nn.functional as F)",
    ),
    (T + "for _ in range(2):\n    import torch", "s.py:4:5: imports are only supported at the top level"),
    # builtins and names
    ("open('f')", "s.py:1:1: builtin 'open' is not supported"),
    ("eval('1')", "s.py:1:1: builtin 'eval' is not supported"),
    (T + "print(vars(x))", "s.py:3:7: builtin 'vars' is not supported"),
    (T + "getattr(x, '__class__')", "s.py:3:12: attribute '__class__' is not supported"),
    (T + "hasattr(x, '_grad')", "s.py:3:12: attribute '_grad' is not supported"),
    ("__import__('os')", "s.py:1:1: name '__import__' is not supported (names may not start with '__')"),
    ("print(f'{__name__}')", "s.py:1:10: name '__name__' is not supported (names may not start with '__')"),
    # attribute walks
    (T + "x.__class__", "s.py:3:3: attribute '__class__' is not supported"),
    (T + "print(x.grad.__class__.__mro__)", "s.py:3:24: attribute '__mro__' is not supported"),
    (T + "x._grad", "s.py:3:3: attribute '_grad' is not supported"),
    (T + "x.numpy()", "s.py:3:3: attribute 'numpy' is not supported"),
    (T + "print(x.grad_fn.metadata)", "s.py:3:17: attribute 'metadata' is not supported"),
    (T + "print(x.H)", "s.py:3:9: attribute 'H' is not supported"),
    ("import torch\ntorch.cuda.is_available()", "s.py:2:7: 'torch.cuda' is not supported"),
    ("import torch\ntorch.nn.Conv2d(2, 2)", "s.py:2:10: 'torch.nn.Conv2d' is not supported"),
    ("import torch\ntorch.sin.x", "s.py:2:11: 'torch.sin' has no attribute 'x' here"),
    # definitions and control flow
    ("async def f(): pass", "s.py:1:1: function definitions are not supported"),
    (
        "import torch\nclass A(torch.Tensor): pass",
        "s.py:2:1: class 'A': only plain classes and subclasses of the snippet's classes, nn.Module and "
        "torch.autograd.Function are supported",
    ),
    (
        "class A: pass\nclass B: pass\nclass C(A, B): pass",
        "s.py:3:12: class 'C': multiple inheritance is not supported",
    ),
    ("class A(metaclass=type): pass", "s.py:1:9: keywords in a class statement are not supported"),
    (
        "class A:\n    def __getattr__(self, name): pass",
        "s.py:2:5: class 'A': method '__getattr__' is not supported (of the special methods: __init__, __call__, "
        "__repr__, __str__, __len__, __getitem__)",
    ),
    (
        "class A:\n    def __add__(self, other): pass",
        "s.py:2:5: class 'A': method '__add__' is not supported (of the special methods: __init__, __call__, "
        "__repr__, __str__, __len__, __getitem__)",
    ),
    (
        "class A:\n    @property\n    def x(self): pass\n    @x.setter\n    def x(self, v): pass",
        "s.py:4:6: class 'A': a method is decorated only by @staticmethod, @classmethod, @property and "
        "@torch.no_grad() or @torch.enable_grad()",
    ),
    (
        "class A:\n    @staticmethod\n    @property\n    def x(self): pass",
        "s.py:3:6: class 'A': 'x' takes no more than one of @staticmethod, @classmethod and @property, and a special "
        "method none",
    ),
    ("class A:\n    def f(): pass", "s.py:2:5: method 'f' needs a first parameter (self)"),
    (
        "class A:\n    x, y = 1, 2",
        "s.py:2:5: class 'A': a class body holds methods, attributes (name = value) and docstrings",
    ),
    ("class A:\n    pass\nA().__dict__", "s.py:3:5: attribute '__dict__' is not supported"),
    ("y = {i for i in [1]}", "s.py:1:5: comprehensions are not supported"),
    ("x = 1\ndel x", "s.py:2:1: del is not supported"),
    ("global x", "s.py:1:1: global is not supported"),
    ("match 1:\n    case 1: pass", "s.py:1:1: match statements are not supported"),
    # assignments
    ("x: int = 1", "s.py:1:1: annotated assignment is not supported"),
    ("import torch\ntorch = 3", "s.py:2:1: 'torch' names what was imported; assigning to it is not supported"),
    # expressions
    ("t = (1,) is (1,)", "s.py:1:5: 'is' with a literal is not supported (use '==')"),
    ("t = 1\nprint(t is not ())", "s.py:2:7: 'is' with a literal is not supported (use '==')"),
    ("t = (*[1],)", "s.py:1:6: starred expressions are not supported"),
    ("s = {1}", "s.py:1:5: sets are not supported"),
    ("print((y := 2))", "s.py:1:8: the walrus operator ':=' is not supported"),
    ("y = 1j", "s.py:1:5: complex numbers are not supported"),
    ("y = b'x'", "s.py:1:5: bytes literals are not supported"),
    ("y = ...", "s.py:1:5: '...' is not supported"),
    ("y = " + "-" * 101 + "1", "s.py:1:106: expression nests more than 100 levels deep"),
    # calls
    ("import torch\nprint(torch)", "s.py:2:7: module 'torch' can only be used as 'torch.<name>'"),
    (T + "x.backward", "s.py:3:1: method 'backward' must be called: 'x.backward()'"),
    ("import torch\ntorch.float32()", "s.py:2:1: 'torch.float32' cannot be called"),
    (
        "import torch\ntorch.tensor(1.0, pin_memory=True)",
        "s.py:2:19: unexpected keyword argument 'pin_memory' for 'torch.tensor' (supported: device, dtype, "
        "requires_grad)",
    ),
    (T + "torch.pow(x)", "s.py:3:1: 'torch.pow' takes 2 positional arguments (1 given)"),
    (T + "x.sum(0, True, 1)", "s.py:3:1: 'x.sum' takes 0 to 2 positional arguments (3 given)"),
    # a name both a tensor's and a list's method takes what either takes (a tensor's sort refuses key= when it runs)
    (
        T + "x.sort(cmp=abs)",
        "s.py:3:8: unexpected keyword argument 'cmp' for 'x.sort' (supported: descending, dim, key, reverse, stable)",
    ),
    (T + "x.remove(1, 2)", "s.py:3:1: 'x.remove' takes 0 to 1 positional arguments (2 given)"),
    ("print(*[1])", "s.py:1:7: starred arguments are not supported"),
    ("print(**{})", "s.py:1:9: '**' arguments are not supported"),
    # with
    ("with open('f'): pass", "s.py:1:6: builtin 'open' is not supported"),
    (
        T + "with x: pass",
        "s.py:3:6: only 'with torch.no_grad():', 'torch.enable_grad()' and 'torch.set_grad_enabled(...)' are supported",
    ),
    ("import torch\nwith torch.no_grad() as g: pass", "s.py:2:25: 'with ... as' is not supported"),
    (
        "import torch\nwith torch.no_grad(), torch.no_grad(): pass",
        "s.py:2:23: only one context manager per 'with' is supported",
    ),
    (
        "import torch\nwith torch.enable_grad(1): pass",
        "s.py:2:6: 'torch.enable_grad' takes 0 positional arguments (1 given)",
    ),
    # text
    ("ｘ = 1", "s.py:1:1: non-ASCII identifier 'ｘ'"),
    ("x = 1\0", "s.py:1:6: null byte in input"),
    ("x = (", "s.py:1:5: syntax error: '(' was never closed"),
]


@pytest.mark.parametrize("text, message", REFUSED, ids=[text.split("\n")[-1][:40] for text, _ in REFUSED])
def test_refused_with_its_place(text, message):
    assert refusal(text) == message


def test_columns_count_characters():
    assert refusal("# 注释\ny = '梯度'; z = {1, 2}") == "s.py:2:15: sets are not supported"


def test_an_undefined_name_is_pythons_name_error_when_it_runs():
    printed: list[str] = []
    outcome = run_snippet(parse_snippet("print(1)\ntorch.sin(x)\n", "s.py"), printed.append)
    assert printed == ["1\n"] and outcome.raised == "s.py:2: NameError: name 'torch' is not defined"


SHADOWING = """def f(x):
    sorted = [3, 1]
    return sorted
print(f(1), sorted([2, 1]))
g = sorted
print(g([3, 2, 1], reverse=True))
print([len for len in range(2)], len([1]))
h = lambda max: max + 1
print(h(2), max(1, 2))
"""


def test_a_binding_shadows_a_builtin_in_its_scope_as_in_python():
    """The snippet's own `sorted` wins where it is bound (a function, a comprehension, a lambda); elsewhere the
    builtin stays the builtin (what CPython prints for this text). A builtin called through a name is held to the
    keywords its call would be checked for."""
    printed: list[str] = []
    outcome = run_snippet(parse_snippet(SHADOWING, "s.py"), printed.append)
    assert outcome.raised is None and outcome.error is None
    assert "".join(printed) == "[3, 1] [1, 2]\n[3, 2, 1]\n[0, 1] 1\n3 2\n"
    assert refusal("def f():\n    sorted = 1\nopen('f')") == "s.py:3:1: builtin 'open' is not supported"
    assert refusal("def f(open):\n    return open\nopen('f')") == "s.py:3:1: builtin 'open' is not supported"
    assert stops("x = {'a': 1}\nx.copy()\n") == "s.py:2:1: 'dict.copy()' is not supported"  # not an AttributeError
    assert (
        stops("g = sorted\ng([1], cmp=abs)\n")
        == "s.py:2:1: unexpected keyword argument 'cmp' for 'sorted' is not supported"
    )


def test_a_tensors_sort_refuses_a_lists_key_when_it_runs():
    assert (
        stops(T + "x.sort(key=abs)\n")
        == "s.py:3:1: unexpected keyword argument 'key' for 'x.sort' (supported: descending, dim, stable)"
    )


def test_type_is_of_nn_modules_and_the_snippets_objects_only():
    """type(m) gives the module's class (tests/sessions/module_type.txt), type(obj) the snippet's class; of anything
    else it stops with one line rather than hand out a type object whose attributes the whitelist does not cover."""
    only = "type() is supported only of an nn module or an instance of the snippet's classes"
    assert stops(T + "type(x)\n") == f"s.py:3:1: {only} (not of 'Tensor')"
    assert stops("type(1)\n") == f"s.py:1:1: {only} (not of 'int')"


def stops(text: str) -> str:
    """How the run of `text` stopped: diffcheck's line for what it cannot run."""
    outcome = run_snippet(parse_snippet(text, "s.py"), lambda _: None)
    assert outcome.raised is None
    return str(outcome.error)


@pytest.mark.parametrize(
    "text, message",
    [
        (T + "torch.tensor([x, x])", "s.py:3:1: torch.tensor() of tensors is not supported (use .detach() or .item())"),
        (T + "round(x)", "s.py:3:1: round() of a tensor is not supported"),
        (T + "torch.clamp(x, min=[0.5])", "s.py:3:1: parameter 'min' of 'clamp' must be a number"),  # a tensor: ok
        (T + "y = x.shape * 2", "s.py:3:5: '*' on tuples is not supported"),  # torch: a torch.Size, not a tuple
        ("a = (1,)\nfor _ in range(30):\n    a = (a, a)", "s.py:3:9: tuple of more than 1000000 items"),
        (T + "x.sum((1.5,), keepdim=True)", "s.py:3:1: the dims of 'sum' must be integers"),
        (T + "torch.mean(x, (torch.tensor(0),))", "s.py:3:1: a tensor among the dims of 'mean' is not supported"),
        ("import torch\ntorch.ones((2, 2.5))", "s.py:2:1: torch.ones() takes sizes as non-negative integers"),
        ("y = 3 ** 100000", "s.py:1:5: integer power too large (more than 100000 bits)"),
        ("y = 'ab' * 1000000", "s.py:1:5: string longer than 1000000 characters"),
        ("import torch\ntorch.ones(1001, 1000)", "s.py:2:1: tensor of more than 1000000 elements"),
        ("import torch\ntorch.ones(1000, 1) + torch.ones(1, 1001)", "s.py:2:1: result of more than 1000000 elements"),
        ("a = [1]\nfor _ in range(30):\n    a = [a, a]", "s.py:3:9: list of more than 1000000 items"),
        (T + "x.backward(gradient=[1.0])", "s.py:3:1: backward(gradient=...) must be a tensor, not list"),
        (
            T + "x.sort(reverse=True)",
            "s.py:3:1: unexpected keyword argument 'reverse' for 'x.sort' (supported: descending, dim, stable)",
        ),
        (T + "a = [x, x]\na.sort()", "s.py:4:1: sort() of a list of tensors is not supported"),
        ("import torch\ntorch.zeros(2, device='cuda')", "s.py:2:1: only the CPU device is supported"),
        ("import torch\ntorch.device('cuda:0')", "s.py:2:1: only the CPU device is supported"),
        ("import torch\ntorch.full((2,), [1])", "s.py:2:1: torch.full() takes a Python number as its fill value"),
        (
            "import torch\ntorch.linspace(0, 1, 2.5)",
            "s.py:2:1: torch.linspace() takes two numbers and a non-negative integer of steps",
        ),
        (
            "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
            "        return x\n    @staticmethod\n    def backward(ctx, g):\n        return g\n"
            "F.apply(torch.tensor(1.0, requires_grad=True))",
            "s.py:9:1: cannot run this on diffcheck's engine: F.forward returned its input as it is (mark_dirty and "
            "views are not modelled)",
        ),
        (
            "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
            "        return x\n    @staticmethod\n    def backward(ctx, g):\n        return g\nF()",
            "s.py:9:1: 'F(...)': call 'F.apply(...)' (Functions are not instantiated)",
        ),
    ],
)
def test_run_stops_where_the_engine_cannot_follow(text, message):
    assert stops(text) == message


@pytest.mark.parametrize(
    "loop, message",
    [
        (
            "y = x\nfor _ in range(5001):\n    y = y * x\ny.backward()\n",
            "graph too large to verify: 5001 named tensors (limit 5000)",
        ),
        (  # tensors kept in a list are named by no variable: their ops are counted, one named tensor (the root) or not
            "ys = [x]\nfor _ in range(20001):\n    ys.append(ys[-1] * 1.0)\nys[-1].backward()\n",
            "graph too large to verify (more than 20000 operations)",
        ),
    ],
)
def test_a_graph_too_large_to_verify_is_trouble_with_the_limit_not_a_crash(loop, message):
    outcome = run_snippet(parse_snippet(T + loop, "s.py"), lambda _: None)
    report, _ = verify(outcome)
    assert report.results == [] and report.return_code == 2
    assert report.errors == [f"s.py:6: cannot verify this backward(): {message}"]


B = T + "b = torch.tensor([True, False])\n"  # three lines: messages below point at line 4


@pytest.mark.parametrize(
    "line, raised",
    [  # PyTorch 2.13's exceptions for these lines
        ("y = True - x", f"RuntimeError: {SUB_BOOL}"),
        ("y = x - True", f"RuntimeError: {SUB_BOOL}"),
        ("y = b - x", f"RuntimeError: {SUB_BOOL}"),
        ("y = torch.sub(x, b)", f"RuntimeError: {SUB_BOOL}"),
        ("y = b - b", f"RuntimeError: {SUB_BOOLS}"),
        ("y = True - b", f"RuntimeError: {SUB_BOOLS}"),
        ("y = -b", f"RuntimeError: {NEG_BOOL}"),
        ("y = torch.neg(b)", f"RuntimeError: {NEG_BOOL}"),
        ("y = torch.sum(x, 0, keepdim=None)", "TypeError: sum(): argument 'keepdim' must be bool, not NoneType"),
        ("y = torch.sum(x, 0, None)", "TypeError: sum(): argument 'keepdim' (position 3) must be bool, not NoneType"),
        ("y = x.sum(0, None)", "TypeError: sum(): argument 'keepdim' (position 2) must be bool, not NoneType"),
        ("y = x.mean(0, keepdim=None)", "TypeError: mean(): argument 'keepdim' must be bool, not NoneType"),
        (
            "y = torch.mean(x, 0, keepdim=None)",
            "TypeError: mean() received an invalid combination of arguments - got "
            f"(Tensor, int, keepdim=NoneType), but expected one of:\n{MEAN_OVERLOADS}",
        ),
        (
            "y = torch.mean(x, dim=0, keepdim=None)",
            "TypeError: mean() received an invalid combination of arguments - got "
            f"(Tensor, keepdim=NoneType, dim=int), but expected one of:\n{MEAN_OVERLOADS}",
        ),
        (
            "y = torch.mean(x, 0, 1)",
            "TypeError: mean() received an invalid combination of arguments - got "
            f"(Tensor, int, int), but expected one of:\n{MEAN_OVERLOADS}",
        ),
        (
            "y = torch.sum(x, keepdim=True)",
            "TypeError: sum() received an invalid combination of arguments - got "
            f"(Tensor, keepdim=bool), but expected one of:\n{SUM_OVERLOADS}",
        ),
        (
            "y = x.mean(keepdim=None)",
            "TypeError: mean() received an invalid combination of arguments - got "
            f"(keepdim=NoneType, ), but expected one of:\n{METHOD_OVERLOADS}",
        ),
        ("y = torch.maximum(x, 2)", "TypeError: maximum(): argument 'other' (position 2) must be Tensor, not int"),
        ("y = x.minimum(2)", "TypeError: minimum(): argument 'other' (position 1) must be Tensor, not int"),
        ("y = torch.matmul(x, 2.5)", "TypeError: matmul(): argument 'other' (position 2) must be Tensor, not float"),
        ("y = x @ 2", "TypeError: unsupported operand type(s) for @: 'Tensor' and 'int'"),
        ("y = 2 @ x", "TypeError: unsupported operand type(s) for @: 'int' and 'Tensor'"),
        ("y = torch.relu(b)", "RuntimeError: Boolean inputs not supported for relu"),
        ("y = torch.abs(b)", "NotImplementedError: \"abs_cpu\" not implemented for 'Bool'"),
        (
            "y = b.mean()",
            "RuntimeError: mean(): could not infer output dtype. Input dtype must be either a floating point "
            "or complex dtype. Got: Bool",
        ),
        (
            "y = torch.tensor([1, 2]).mean(0)",
            "RuntimeError: mean(): could not infer output dtype. Input dtype must be "
            "either a floating point or complex dtype. Got: Long",
        ),
        ("y = torch.clamp(x)", f"RuntimeError: {CLAMP_NO_BOUND}"),
        ("y = x.clamp(min=None)", f"RuntimeError: {CLAMP_NO_BOUND}"),
        ("y = torch.clip(x, None, None)", f"RuntimeError: {CLAMP_NO_BOUND}"),
        ("y = b.clip()", f"RuntimeError: {CLAMP_NO_BOUND}"),
        (
            "y = torch.pow(2, 3)",
            f"TypeError: pow() received an invalid combination of arguments - got (int, int), but "
            f"expected one of:\n{POW_OVERLOADS}",
        ),
        (
            "y = torch.pow(True, 2.5)",
            "TypeError: pow() received an invalid combination of arguments - got (bool, float), "
            f"but expected one of:\n{POW_OVERLOADS}",
        ),
        ("y = torch.sub(True, x)", f"RuntimeError: {SUB_BOOL}"),
        ("y = torch.sub(True, False)", f"RuntimeError: {SUB_BOOLS}"),
        ("y = torch.add(None, x)", "TypeError: add(): argument 'input' (position 1) must be Tensor, not NoneType"),
        ("y = torch.div('a', x)", "TypeError: div(): argument 'input' (position 1) must be Tensor, not str"),
        ("y = torch.maximum(2, x)", "TypeError: maximum(): argument 'input' (position 1) must be Tensor, not int"),
        (
            "y = x.mean(keepdim=True)",
            "TypeError: mean() received an invalid combination of arguments - got "
            f"(keepdim=bool, ), but expected one of:\n{METHOD_OVERLOADS}",
        ),
        # several dims: PyTorch's argument parser picks the overload by the first, then unpacks the others
        (
            "y = x.sum((0, 1.5))",
            "TypeError: sum(): argument 'dim' failed to unpack the object at pos 2 with error "
            '"type must be tuple of ints,but got float"',
        ),
        (
            "y = x.mean(dim=[0, 'a'], keepdim=True)",
            "TypeError: mean(): argument 'dim' failed to unpack the object at pos 2 "
            'with error "type must be tuple of ints,but got str"',
        ),
        (
            "y = x.sum((1.5,))",
            f"TypeError: sum() received an invalid combination of arguments - got (tuple), but expected "
            f"one of:\n{METHOD_OVERLOADS}",
        ),
        (
            "y = x.sum(dim=(True,))",
            "TypeError: sum() received an invalid combination of arguments - got (dim=tuple, ), but "
            f"expected one of:\n{METHOD_OVERLOADS}",
        ),
        (
            "y = torch.sum(x, dim=(1.5,))",
            "TypeError: sum() received an invalid combination of arguments - got (Tensor, "
            f"dim=tuple), but expected one of:\n{SUM_OVERLOADS}",
        ),
        (
            "y = torch.mean(x, (None,))",
            "TypeError: mean() received an invalid combination of arguments - got (Tensor, "
            f"tuple), but expected one of:\n{MEAN_OVERLOADS}",
        ),
        (
            "y = torch.mean(x, (0, 1), 1)",
            "TypeError: mean() received an invalid combination of arguments - got (Tensor, "
            f"tuple, int), but expected one of:\n{MEAN_OVERLOADS}",
        ),
        ("y = x.sum((0,), 1)", "TypeError: sum(): argument 'keepdim' (position 2) must be bool, not int"),
        ("y = x.sum((0, 1))", "IndexError: Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
        ("y = x.sum((0, True))", "IndexError: Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
        ("y = torch.mean(x, [-1, 0])", "RuntimeError: dim 0 appears multiple times in the list of dims"),
        # torch.tensor's data, tuples as lists: the types first, then the shape the first elements give
        ("y = torch.tensor(((1., 2.), (3.,)))", "ValueError: expected sequence of length 2 at dim 1 (got 1)"),
        ("y = torch.tensor([(1., 2.), 3.])", "TypeError: not a sequence"),
        ("y = torch.tensor((1., (2.,)))", "TypeError: must be real number, not tuple"),
        ("y = torch.tensor((1, (2,)))", "TypeError: 'tuple' object cannot be interpreted as an integer"),
        ("y = torch.tensor((1, [2]), dtype=torch.float64)", "TypeError: must be real number, not list"),
        ("y = torch.tensor(((1., 2.), ('a', 3.)))", "TypeError: new(): invalid data type 'str'"),
        ("y = x + (1, 2)", "TypeError: unsupported operand type(s) for +: 'Tensor' and 'tuple'"),
    ],
)
def test_pytorchs_exceptions_are_raised_at_their_line(line, raised):
    outcome = run_snippet(parse_snippet(B + line, "s.py"), lambda _: None)
    assert outcome.raised == f"s.py:4: {raised}"


@pytest.mark.parametrize(
    "text, message",
    [
        ("while True:\n    pass", "s.py:2:5: the snippet runs more than 100000 statements (--max-steps)"),
        ("for _ in range(10 ** 12):\n    pass", "s.py:2:5: the snippet runs more than 100000 statements (--max-steps)"),
        ("def f(n):\n    return f(n + 1)\nf(0)", "s.py:2:12: calls nest more than 100 deep (--max-depth)"),
        ("x = list(range(10 ** 9))", "s.py:1:5: a range of more than 1000000 items cannot be gathered"),
        ("x = sum(range(10 ** 9))", "s.py:1:5: a range of more than 1000000 items cannot be gathered"),
        ("print('{0.__class__}'.format(1))", "s.py:1:7: str.format() fields may only be positions or names"),
        ("print('{0[0]}'.format([1]))", "s.py:1:7: str.format() fields may only be positions or names"),
        (T + "y = x.shape * 2", "s.py:3:5: '*' on tuples is not supported"),
        (
            "for _ in range(1000):\n    for _ in range(1000):\n        pass",
            "s.py:3:9: the snippet runs more than 100000 statements (--max-steps)",
        ),
    ],
)
def test_limits_stop_the_run_with_one_line(text, message):
    assert stops(text) == message


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "def f(): pass\nclass A(f): pass",
            "s.py:2:1: class 'A': only plain classes and subclasses of the snippet's classes, nn.Module and "
            "torch.autograd.Function are supported",
        ),
        ("def f(*a): pass", "s.py:1:8: '*args' and '**kwargs' parameters are not supported"),
        (
            "try:\n    pass\nexcept os.error:\n    pass",
            "s.py:3:8: 'except' takes Python's exception classes (RuntimeError, TypeError, ValueError ...)",
        ),
        ("break", "s.py:1:1: 'break' outside loop"),
        ("return 1", "s.py:1:1: 'return' outside function"),
        (
            "@property\ndef f(): pass",
            "s.py:1:2: only '@torch.no_grad()' and '@torch.enable_grad()' decorate a function",
        ),
        ("f = lambda: __import__", "s.py:1:13: name '__import__' is not supported (names may not start with '__')"),
        ("print(f'{1:{__name__}}')", "s.py:1:13: name '__name__' is not supported (names may not start with '__')"),
        ("def f(x):\n    return x.__class__", "s.py:2:14: attribute '__class__' is not supported"),
        (
            "try:\n    pass\nexcept RuntimeError as __e:\n    pass",
            "s.py:3:1: name '__e' is not supported (names may not start with '__')",
        ),
        ("x = [1]\nx.__len__()", "s.py:2:3: attribute '__len__' is not supported"),
        ("x = {}\nx.update({})", "s.py:2:3: attribute 'update' is not supported"),
        ("import math\nmath.__loader__", "s.py:2:6: attribute '__loader__' is not supported"),
        ("import math\nmath.os", "s.py:2:6: 'math.os' is not supported"),
    ],
)
def test_new_constructs_keep_the_whitelist(text, message):
    assert refusal(text) == message


def test_calls_that_cannot_be_verified_are_one_line_with_their_count():
    """A loop's backward() calls too big to verify: one line per line and reason, with how many calls it stands for
    (and the calls that can be verified still are)."""
    text = (
        "import torch\nw = torch.ones(5001, requires_grad=True)\nv = torch.ones(2, requires_grad=True)\n"
        "for step in range(40):\n    (w * w).sum().backward()\n    (v * v).sum().backward()\n"
        "    with torch.no_grad():\n        v -= 0.1 * v.grad\n"
    )
    outcome = run_snippet(parse_snippet(text, "s.py"), lambda _: None)
    report, _ = verify(outcome)
    assert outcome.calls == 80 and len(report.results) == 5 and report.return_code == 2
    assert report.errors == [
        "s.py:5: cannot verify these 40 backward() calls: graph too large to verify: 5001 leaf elements (limit 5000)"
    ]


def test_the_tensors_held_at_once_are_bounded_not_those_made():
    made = "import torch\nfor i in range(12):\n    y = torch.zeros(1000000)\n"
    assert run_snippet(parse_snippet(made, "s.py"), lambda _: None).error is None
    held = "import torch\nkept = []\nfor i in range(12):\n    kept.append(torch.zeros(1000000))\n"
    assert stops(held) == "s.py:4:17: the snippet holds more than 10000000 tensor elements at once"


def test_data_read_in_a_loop_is_not_held():
    """`.data` tensors share storage through groups that hold them weakly: 80 steps read 16M elements through `.data`
    (more than the cap), holding one step's."""
    text = (
        "import torch\nb = torch.zeros(100000, requires_grad=True)\nfor t in range(80):\n"
        "    (b * b).sum().backward()\n    b.data.sub_(0.1 * b.grad.data)\n    b.grad.data.zero_()\n"
        "print(b.grad.sum(), b.data.sum())\n"
    )
    printed: list[str] = []
    outcome = run_snippet(parse_snippet(text, "s.py"), printed.append)
    assert outcome.error is None and outcome.calls == 80
    assert printed == ["tensor(0.) tensor(0.)\n"]


@pytest.mark.parametrize(
    "line, message",
    [
        ("F.celu(x * 1, 0.1, inplace=True)", "s.py:4:1: celu(inplace=True) is not supported (write it out of place)"),
        ("F.selu(x * 1, inplace=True)", "s.py:4:1: selu(inplace=True) is not supported (write it out of place)"),
        ("F.relu(x * 1, inplace=1)", "s.py:4:1: inplace= of 'relu' must be True or False"),
        ("torch.eye(2, requires_grad=1)", "s.py:4:1: requires_grad= of 'torch.eye' must be True or False"),
    ],
)
def test_in_place_activations_beyond_relu_stop_with_one_line(line, message):
    text = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n" + line + "\nx = 1\n"
    text = text.replace("x * 1", "torch.ones(2, requires_grad=True) * 1")
    assert stops(text) == message
