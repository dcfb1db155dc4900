"""The program on the engine under test: every statement's tensor by name, and the special points its ops met.

The engine is reached only through the interface (engines/base.py): check resolves each call to its table row, hands
the row to the engine, and finds special points from the row's masks and the forward values the engine returns.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .. import ops
from ..errors import DiffcheckError
from ..lang.indices import index_inputs, literal_indices
from ..lang.lower import answer_of, number_params, numbers_alone, run, tuple_arguments
from .case import Case

_NUMBERS = (int, float, bool)


def is_number(value) -> bool:
    """A Python number among the program's values (everything else is an engine's tensor)."""
    return type(value) in _NUMBERS


def run_engine(case: Case, hits: Optional[list] = None, backward: bool = True, engine=None) -> dict:
    """The program on `engine` (diffcheck's own unless given) in the case's dtype (float64 unless told; an input in
    `case.dtypes` in its own), backward from the output; every statement's tensor by name.

    `hits` collects the special points (kinks, singular points, indeterminate forms, overflows) the program's ops
    sit on.
    """
    from ..engines import Unsupported, default
    from .special import found

    engine = engine or default()
    dtype = case.dtype
    for needed in (dtype, *case.dtypes.values()):
        if needed not in engine.capabilities.dtypes:
            raise Unsupported(engine.name, needed)
    if case.retain and not engine.capabilities.retain_grad:
        raise Unsupported(engine.name, "retain_grad()")
    applied: Optional[list] = [] if hits is not None else None
    indices = index_inputs(case.program, case.values)  # class targets, gather's index, masks, weights
    held = {name: case.dtypes.get(name, dtype) for name in case.program.inputs}  # each input's float dtype
    leaves = {
        name: engine.leaf(
            indices[name], held[name] if indices[name].dtype.kind == "f" else indices[name].dtype.name, False
        )
        if name in indices
        else engine.leaf(np.asarray(case.values[name], dtype=held[name]), held[name], name not in case.no_grad)
        for name in case.program.inputs
    }
    env = run(case.program, leaves, lambda node, args, params: _call(engine, node, args, params, applied, dtype))
    for statement in case.program.statements:  # `z = 2` names a number; report it as the constant tensor it is
        if isinstance(env[statement.name], tuple) and "#" not in statement.name:  # (the graph's temporaries: z#1)
            if getattr(statement.value, "op", None) in ("max", "min"):
                message = f"'{statement.name}' is the (values, indices) of max/min over a dim: take [0]"
            else:
                message = f"'{statement.name}' is a tuple of tensors (split, chunk and unbind give one): use it inside cat or stack"
            raise DiffcheckError(message, statement.pos)
        if is_number(env[statement.name]):
            env[statement.name] = engine.leaf(np.asarray(env[statement.name], dtype=dtype), dtype, False)
    if hits is not None:
        hits.extend(found(applied, case.program, engine.value))
    if np.asarray(engine.value(env[case.program.output])).dtype == np.bool_:
        raise DiffcheckError("the output is a comparison (a boolean mask): it has no derivative; use it in where()")
    for name in case.retain:
        if not engine.requires_grad(env[name]):
            raise DiffcheckError(f"--retain-grad '{name}': can't retain_grad on Tensor that has requires_grad=False")
        engine.retain_grad(env[name])
    out = env[case.program.output]
    if backward and engine.requires_grad(out):
        shape = np.shape(engine.value(out))
        try:
            engine.backward(out, np.ones(shape) if shape else None)
        except RuntimeError as error:  # a node PyTorch has no formula for (x // y): its backward raises, as here
            if not str(error).startswith("derivative for aten::"):
                raise
            raise DiffcheckError(f"backward: {error} (PyTorch raises the same: it has no derivative)") from None
    return env


def _call(engine, node, args: list, params: dict, applied: Optional[list], dtype: str = "float64"):
    """One call of the program: its table row resolved (written once, in ops), then run on the engine (`dtype`: the
    case's, which a mask used as a number takes)."""
    from ..engines import Unsupported

    if node.op in SUBSCRIPTS:
        return _subscript(engine, node, args, params["key"])
    front = ops.FRONTS[node.op]
    args = [engine.leaf(a, "int64", False) if type(a) is np.ndarray else a for a in literal_indices(args)]
    tuple_arguments(node, args, front.row in ops.OPS and ops.OPS[front.row].variadic)
    params = number_params(node, params, _is_number_param)
    # A mask used as a number is 1/0 in the case's dtype, as PyTorch promotes a bool tensor to the float it meets
    # (where's condition and masked_fill's mask stay masks).
    args = [
        engine.leaf(np.asarray(engine.value(a), dtype=dtype), dtype, False)
        if not is_number(a)
        and type(a) is not tuple
        and np.asarray(engine.value(a)).dtype == np.bool_
        and not takes_mask(node.op, i)
        else a
        for i, a in enumerate(args)
    ]
    tensors = [t for a in args for t in (a if type(a) is tuple else (a,)) if not is_number(t)]
    tensors += [  # linear's bias; clamp's bounds given as tensors
        v
        for k, v in params.items()
        if ops.kind_of(_param(front, k)) == "tensor" or front is not None and front.tensor_params and not is_number(v)
    ]

    def ndim(value) -> Optional[int]:
        return None if is_number(value) else np.ndim(engine.value(value))

    try:
        if not tensors and args:  # (arange and the like, without arguments, make tensors)
            return numbers_alone(ops.resolve(node.op, tuple(args), params, ndim))
        op, resolved, row_params = ops.resolve(node.op, tuple(args), params, ndim, node.function)
    except (ops.TorchIndexError, ops.TorchTypeError) as error:  # PyTorch's own refusal (a dim out of range)
        raise DiffcheckError(f"'{node.op}': {error}", node.pos) from None
    except (ValueError, IndexError) as error:  # ranks that do not fit (numbers alone: matmul's)
        raise _shapes_error(node, tensors, error, engine) from None
    if not engine.supports(op):
        raise Unsupported(engine.name, f"'{op.name}'", node.pos)
    if op.int_result:
        raise DiffcheckError(f"'{node.op}' gives int64 indices: nothing to differentiate in check", node.pos)
    try:
        result = engine.apply(op, resolved, row_params)
    except (ops.TorchIndexError, ops.TorchValueError, *engine.refusals) as error:  # PyTorch's refusal, its words
        raise DiffcheckError(f"'{node.op}': {error}", node.pos) from None
    except engine.program_errors as error:  # shapes that do not fit
        raise _shapes_error(node, tensors, error, engine) from None
    except RuntimeError as error:  # PyTorch's refusal, in its words (True - x: subtraction with a bool)
        raise DiffcheckError(f"'{node.op}': {error}", node.pos) from None
    if applied is not None:  # of several answers (max(x, dim)), the first is the one special points concern
        applied.append((node, op, resolved, row_params, result[0] if isinstance(result, tuple) else result))
    return result


SUBSCRIPTS = ("getitem", "setitem")  # x[key] (check's language), x[key] = value (a traced `run` snippet)


def _subscript(engine, node, args: list, spec: tuple):
    """`x[key]` (args: x, then the tensors of the key) or a traced `x[key] = value` (x, value, the key's tensors) on
    the engine; PyTorch's refusals one line at the subscript."""
    from ..ops.subscripts import TorchValueError, key_of

    fixed = 2 if node.op == "setitem" else 1
    if isinstance(args[0], tuple):
        return answer_of(node, args[0], spec)
    if is_number(args[0]):
        raise DiffcheckError(f"'{_NUMBERS_NAME.get(type(args[0]), 'number')}' object is not subscriptable", node.pos)
    key = key_of(spec, list(args[fixed:]))
    try:
        if node.op == "setitem":
            return engine.setitem(args[0], key, args[1])
        return engine.getitem(args[0], key)
    except (ops.TorchIndexError, TorchValueError, RuntimeError) as error:
        raise DiffcheckError(f"subscript: {error}", node.pos) from None


_NUMBERS_NAME = {int: "int", float: "float", bool: "bool"}


def takes_mask(op: str, position: int) -> bool:
    """Argument `position` of a call of `op` is a mask the op takes as such (where's condition, masked_fill's)."""
    row = ops.OPS.get(ops.FRONTS[op].row) if op in ops.FRONTS else None
    return op == "where" and position == 0 or row is not None and position in row.mask_args


def _shapes_error(node, tensors: list, error: Exception, engine) -> DiffcheckError:
    if isinstance(error, RuntimeError) and not isinstance(error, ops.TorchShapeError):  # PyTorch's refusal, its words
        return DiffcheckError(f"'{node.op}': {(str(error).splitlines() or [''])[0]}", node.pos)
    shapes = " and ".join(str(tuple(np.shape(engine.value(a)))) for a in tensors)
    return DiffcheckError(f"'{node.op}' cannot combine shapes {shapes}" if tensors else str(error), node.pos)


def _param(front, name: str) -> str:
    return next((p for p in front.params if p == name), name)


def _is_number_param(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
