"""Gradient assertions for your own tests, in the style of `pytest.approx` and `torch.autograd.gradcheck`, with an
exact reference instead of finite differences::

    from diffcheck.testing import assert_gradients

    def test_my_engine_multiplies():
        assert_gradients("x * y + relu(x)", {"x": 2.0, "y": 3.0}, engine="mypkg.adapter:make")

`assert_gradients` runs the program on the engine under test and in SymPy, and raises `AssertionError` naming every
element that disagrees, with both values. Kinks, singular points and overflows are judged as `diffcheck check` judges
them (a gradient at `relu(0)` within the one-sided derivatives passes); `strict=True` fails them too.

An engine is an `Engine` instance (diffcheck/engines/base.py), or a name as `--engine` takes it: `diffcheck` (the
default), `torch`, `jax`, `micrograd`, `package.module:factory` or an installed entry point of the group
`diffcheck.engines`. A case the engine cannot run (an op it lacks) raises `diffcheck.engines.Unsupported`.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Optional, Union

import numpy as np

from .check import EXPLAINED, MISMATCH, Case, CheckResult, case_of, check, float32_tolerance
from .check.budget import run_deep
from .defaults import ATOL, RTOL
from .engines import Engine, Unsupported, load
from .lang.program import Program

__all__ = ["assert_gradients", "check_torch_function", "diagnosis", "Unsupported"]

Point = Mapping[str, Any]  # input name -> a number or a nested list of numbers


def assert_gradients(
    expr_or_program: Union[str, Program],
    point: Point,
    engine: Union[str, Engine, None] = None,
    rtol: Optional[float] = None,
    atol: Optional[float] = None,
    *,
    no_grad: tuple[str, ...] = (),
    retain_grad: tuple[str, ...] = (),
    order: Literal[1, 2] = 1,
    dtype: Literal["float64", "float32"] = "float64",
    strict: bool = False,
    timeout: Optional[float] = None,
) -> CheckResult:
    """Assert that `engine`'s gradients of `expr_or_program` at `point` agree with SymPy's exact ones.

    `expr_or_program` is a program of `diffcheck check`'s language ("z = x * y; w = sin(z)") or a parsed `Program`;
    `point` gives every input's value. `rtol`/`atol` default to check's (1e-8 and 1e-12; with `dtype="float32"` at
    least 16 ulps of float32). Returns the `CheckResult` when everything agrees; raises `AssertionError` whose message
    names each disagreeing tensor and element (`x[1]: engine 0.5, SymPy 1.0`). With `timeout` (seconds) the check
    runs in a child process killed when it runs out (a LimitError); nothing of it keeps running in the caller's.
    """
    case = case_of(
        expr_or_program,
        point,
        no_grad=no_grad,
        retain_grad=retain_grad,
        rtol=rtol,
        atol=atol,
        strict=strict,
        order=order,
        dtype=dtype,
        name="assert_gradients",
    )
    chosen = load(engine) if isinstance(engine, str) else engine
    forkable = chosen is None or chosen.fork_safe
    result = check(case, chosen) if timeout is None else run_deep(lambda: check(case, chosen), timeout, forkable)
    if result.failed:
        judged = float32_tolerance(case) if dtype == "float32" else case
        name = chosen.name if chosen is not None else "diffcheck"
        raise AssertionError(diagnosis(result, name, judged.rtol, judged.atol))
    return result


def diagnosis(result: CheckResult, engine: str = "engine", rtol: float = RTOL, atol: float = ATOL) -> str:
    """Why `result` fails, one line per disagreeing element: the tensor, the element's index, both values, the error
    (and in float32 the distance in ulps), then the note that explains the status."""
    failing = {MISMATCH, *EXPLAINED} if result.strict else {MISMATCH}
    lines = [f"gradients of {result.source!r} on engine '{engine}' disagree with SymPy at {_point(result.point)}:"]
    out = result.output
    if out.status in failing:
        lines.append(f"  {out.name} (value): {out.status}: engine {out.value!r}, SymPy {out.sympy_value!r}")
    for t in result.tensors:
        if t.status not in failing:
            continue
        for index, e, s in _elements(t.engine, t.sympy, t.shape):
            if _agree(e, s, t.status, rtol, atol):
                continue
            where = t.name + (f"[{', '.join(map(str, index))}]" if index else "")
            error = f", abs err {abs(e - s):.3g}" if _finite(e) and _finite(s) else ""
            ulps = ""
            if t.ulps is not None and _finite(e) and _finite(s):
                ulps = f", {abs(e - s) / float(np.spacing(np.float32(abs(s)))):.3g} ulp of float32"
            lines.append(f"  {where}: {t.status}: engine {e!r}, SymPy {s!r}{error}{ulps}")
        if t.note:
            lines.append(f"    ({t.note})")
    lines += [f"  broken expectation: {line}" for line in result.broken_expectations]
    return "\n".join(lines)


def _elements(engine_value, exact, shape: tuple):
    engine_array = np.asarray(engine_value if engine_value is not None else np.full(shape, None), dtype=object)
    exact_array = np.asarray(exact, dtype=object)
    for index in np.ndindex(*shape) if shape else [()]:
        yield (
            index,
            engine_array[index] if shape else engine_array.item(),
            exact_array[index] if shape else (exact_array.item()),
        )


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and np.isfinite(value)


def _agree(e, s, status: str, rtol: float, atol: float) -> bool:
    """An element that agrees within the tolerance, among a tensor's failing ones (the status is the worst
    element's); at a special point every element is shown, as the element-wise story is in the note."""
    if status != MISMATCH or not (_finite(e) and _finite(s)):
        return False
    return abs(e - s) <= atol + rtol * abs(s)


def _point(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in point.items())


# ---- PyTorch functions, traced ----------------------------------------------------------------------------------------
_DUNDERS = {  # Tensor's operators -> (the table's front op, whether the operands swap)
    "__add__": ("add", False),
    "__radd__": ("add", True),
    "__sub__": ("sub", False),
    "__rsub__": ("sub", True),
    "__mul__": ("mul", False),
    "__rmul__": ("mul", True),
    "__truediv__": ("div", False),
    "__rtruediv__": ("div", True),
    "__div__": ("div", False),
    "__pow__": ("pow", False),
    "__rpow__": ("pow", True),
    "__matmul__": ("matmul", False),
    "__neg__": ("neg", False),
    "rsub": ("sub", True),
}


def check_torch_function(fn, *inputs, rtol: Optional[float] = None, atol: Optional[float] = None) -> CheckResult:
    """Assert that PyTorch's gradients of `fn(*inputs)` agree with SymPy's.

    `fn` is run once on float64 leaves made from `inputs` (numbers, nested lists or tensors) under a
    `torch.overrides.TorchFunctionMode` that records every torch call as a statement of diffcheck's language — the
    calls inside a custom `torch.autograd.Function`'s forward included. PyTorch's gradients come from `backward()` on
    the real result, so a custom `backward` is what is judged; SymPy differentiates the recorded program. An op outside
    diffcheck's table is named in a `DiffcheckError`. Returns the `CheckResult`; raises `AssertionError` with the
    per-element diagnosis when a gradient disagrees (inputs are named x0, x1 ... in order).
    """
    import torch

    from .errors import DiffcheckError
    from .lang.parse import parse_program

    leaves = [torch.as_tensor(v, dtype=torch.float64).detach().clone().requires_grad_(True) for v in inputs]
    recorder = _recorder(torch, {id(leaf): f"x{i}" for i, leaf in enumerate(leaves)})
    with recorder:
        out = fn(*leaves)
    if not isinstance(out, torch.Tensor) or id(out) not in recorder.names:
        raise DiffcheckError("check_torch_function: fn must return a tensor computed from its inputs")
    statements = recorder.statements
    statements[-1] = "out" + statements[-1][statements[-1].index(" =") :]  # the last call is the output
    if recorder.names[id(out)] != recorder.last:
        statements.append(f"out = {recorder.names[id(out)]}")
    program = parse_program("; ".join(statements))
    out.backward(torch.ones_like(out) if out.ndim else None)
    grads = {f"x{i}": None if leaf.grad is None else leaf.grad.detach().numpy() for i, leaf in enumerate(leaves)}
    values = {f"x{i}": leaf.detach().numpy().tolist() for i, leaf in enumerate(leaves)}
    values = {name: value for name, value in values.items() if name in program.inputs}
    case = Case(program, values, rtol=RTOL if rtol is None else rtol, atol=ATOL if atol is None else atol)
    result = check(case, _replay(torch, program.inputs, grads))
    if result.failed:
        raise AssertionError(diagnosis(result, "torch (traced)", case.rtol, case.atol))
    return result


def _recorder(torch, names: dict):
    from torch.overrides import TorchFunctionMode

    from .errors import DiffcheckError
    from .ops import SIGNATURES

    class Recorder(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.names, self.statements, self.kept, self.last = dict(names), [], [], None

        def text(self, value) -> str:
            if isinstance(value, torch.Tensor):
                if id(value) in self.names:
                    return self.names[id(value)]
                return repr(value.detach().tolist())  # a constant tensor made inside fn
            if isinstance(value, (bool, int, float)):
                return repr(value)
            if isinstance(value, (tuple, list)):
                return "(" + ", ".join(self.text(v) for v in value) + ("," if len(value) == 1 else "") + ")"
            raise DiffcheckError(f"check_torch_function: cannot record an argument of type {type(value).__name__}")

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            result = func(*args, **kwargs)
            if not isinstance(result, torch.Tensor) or not any(
                isinstance(a, torch.Tensor) and id(a) in self.names for a in args
            ):
                return result  # a shape, a size, a constant: not part of the program
            name = getattr(func, "__name__", str(func))
            op, swap = _DUNDERS.get(name, (name, False))
            if op not in SIGNATURES:
                raise DiffcheckError(f"check_torch_function: '{name}' is outside diffcheck's op table (diffcheck ops)")
            args = list(args)
            if swap:
                args[0], args[1] = args[1], args[0]
            params = [self.text(a) for a in args] + [f"{k}={self.text(v)}" for k, v in kwargs.items()]
            target = f"t{len(self.statements)}"
            self.statements.append(f"{target} = {op}({', '.join(params)})")
            self.names[id(result)] = self.last = target
            self.kept.append(result)  # alive, so its id names no other tensor
            return result

    return Recorder()


def _replay(torch, inputs: tuple, grads: dict):
    """PyTorch's adapter computing the recorded program forward, with `.grad` of each input taken from the real run
    of `fn` (its custom backward included) instead of its own backward."""
    from .engines.torch import TorchEngine

    class Replay(TorchEngine):
        name, label = "torch", "PyTorch (traced)"

        def __init__(self):
            super().__init__()
            self.capabilities = type(self.capabilities)(dtypes=frozenset({"float64"}), ops=self.capabilities.ops)
            self.order, self.leaves = list(inputs), {}

        def leaf(self, data, dtype, requires_grad):
            t = super().leaf(data, dtype, requires_grad)
            if requires_grad and self.order:
                self.leaves[id(t)] = (self.order.pop(0), t)
            return t

        def backward(self, out, gradient) -> None:
            pass  # the real run of fn did it

        def grad(self, t):
            named = self.leaves.get(id(t))
            return None if named is None else grads[named[0]]

    return Replay()
