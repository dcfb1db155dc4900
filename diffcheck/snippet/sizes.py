"""`diffcheck run`, sizes known before they are made: the length of a value's text (str, repr, print, f-strings) and the
shape of a matmul's result, so that a snippet is refused before it builds a string or a tensor too large to hold.

Lists share their items: `n = [n, n]` forty times is 41 lists, and its text has 2**40 zeros. Each distinct list is
measured once and counted as often as it appears, as printing would write it.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .. import engine

_TENSOR_TEXT = 12  # characters per element of a printed tensor (PyTorch summarizes past 1000 elements)
_SMALL = 100  # a function, a module, a dtype, an exception: its repr is short


def text_length(value) -> int:
    """About len(str(value)), at least as long: a string inside a container counts its quotes, not its escapes."""
    sizes: dict[int, int] = {}
    stack = [(value, False)]
    while stack:
        current, ready = stack.pop()
        if id(current) in sizes:
            continue
        children = _children(current)
        if not children:
            sizes[id(current)] = _leaf_length(current, current is value)
        elif ready:
            sizes[id(current)] = 2 + sum(sizes[id(c)] + 2 for c in children)
        else:
            stack.append((current, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(value)]


def _children(value) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, dict):
        return [part for pair in value.items() for part in pair]
    return []


def _leaf_length(value, top: bool) -> int:
    if isinstance(value, str):
        return len(value) + (0 if top else 2)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 30103 // 100000 + 2  # decimal digits and a sign
    if isinstance(value, float):
        return len(repr(value))
    if isinstance(value, engine.Tensor):
        return _SMALL + _TENSOR_TEXT * min(int(np.size(value.data)), 1000)
    return _SMALL


def matmul_shape(a: tuple, b: tuple) -> Optional[tuple]:
    """The shape of `a @ b` by PyTorch's rules (1-d operands, batch dims broadcast), or None when they do not fit
    (the engine then says why)."""
    if not a or not b:
        return None
    left, right = (1, *a) if len(a) == 1 else a, (*b, 1) if len(b) == 1 else b
    if left[-1] != right[-2]:
        return None
    batch_a, batch_b = left[:-2], right[:-2]
    batch = []
    for i in range(max(len(batch_a), len(batch_b)), 0, -1):
        x = batch_a[-i] if i <= len(batch_a) else 1
        y = batch_b[-i] if i <= len(batch_b) else 1
        if x != y and 1 not in (x, y):
            return None
        batch.append(y if x == 1 else x)
    shape = [*batch, left[-2], right[-1]]
    if len(a) == 1:
        del shape[-2]
    if len(b) == 1:
        del shape[-1]
    return tuple(shape)
