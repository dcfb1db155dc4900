"""samples/ is a test suite of its own: it loads cleanly, covers every op of the table, and pins what it promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from diffcheck import ops
from diffcheck.lang.indices import index_inputs
from diffcheck.lang.lower import number_params, run
from diffcheck.batch.samples import Sample
from diffcheck.ops.subscripts import key_of
from diffcheck.batch.verify import discover, load_all

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def corpus() -> list[Sample]:
    files, errors = discover([SAMPLES])
    items, warnings = load_all(files)
    assert not errors and not warnings
    assert all(isinstance(item, Sample) for item in items), [getattr(i, "message", "") for i in items]
    return items


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def rows_used(sample: Sample) -> set[str]:
    """The op-table rows a case's program dispatches to (the overload rows too), by a NumPy forward pass."""
    used = set()

    def call(node, args, params):
        if node.op == "getitem":  # a subscript: internal rows; of max(x, dim), one of its answers
            key = key_of(params["key"], list(args[1:]))
            return args[0][key] if isinstance(args[0], tuple) else np.asarray(args[0])[key]
        params = number_params(node, params, _number)
        op, resolved, row_params = ops.resolve(
            node.op, tuple(args), params, lambda a: None if _number(a) else np.ndim(a)
        )
        with np.errstate(all="ignore"):
            value = op.forward(*resolved, **row_params)
        if args and all(_number(a) for a in args):  # arithmetic on Python numbers stays a number: no row runs
            return float(value)
        used.add(op.name)
        return value

    values = {n: np.asarray(sample.case.values.get(n, 0.5), dtype=float) for n in sample.case.program.inputs}
    values.update(index_inputs(sample.case.program, sample.case.values))  # class targets, indices, masks
    run(sample.case.program, values, call)
    return used


def test_at_least_80_cases(corpus):
    assert len(corpus) >= 80


def test_every_spelling_of_the_op_table_is_called_by_some_sample(corpus):
    import re

    sources = "\n".join(sample.case.program.source for sample in corpus)

    def called(name: str) -> bool:  # an attribute spelling is read as one: x.T
        if ops.dispatch.SPELLINGS[name].attribute:
            return bool(re.search(rf"\.{name}(?![A-Za-z0-9_])", sources))
        return bool(re.search(rf"(?<![A-Za-z0-9_]){name}\(", sources))

    # argmax/argmin give int64 indices: nothing check differentiates (tests/test_selection_ops.py pins them)
    unused = [name for name, sig in ops.SIGNATURES.items() if not called(name) and not ops.OPS[sig.row].int_result]
    assert not unused, f"no sample calls: {', '.join(unused)}"


def test_every_row_of_the_op_table_is_run_by_some_sample(corpus):
    used = set().union(*(rows_used(sample) for sample in corpus))
    # clamp_tensor: clamp with tensor bounds, which the check language cannot write (its parameters are numbers)
    unused = [
        name
        for name, op in ops.OPS.items()
        if not (op.internal or op.int_result) and name not in used | {"clamp_tensor"}
    ]
    assert not unused, f"no sample runs the rows: {', '.join(unused)}"


def test_the_articles_printed_values_are_pinned(corpus):
    article = {s.name: s.expect for s in corpus if s.file.endswith("article.toml")}
    first, second, third = (article[name] for name in sorted(article))
    assert (first.output, first.grad) == (9.0, {"x": 6.0, "y": None})
    assert (second.output, second.grad_fn, second.grad) == (25.0, "AddBackward0", {"x": 6.0, "y": None, "z": None})
    assert (third.output, third.grad) == (25.0, {"x": 6.0, "y": None, "z": 1.0})


def test_the_corpus_has_vectors_matrices_second_order_and_pinned_classifications(corpus):
    shapes = {np.ndim(v) for s in corpus for v in s.case.values.values()}
    assert {0, 1, 2, 3} <= shapes
    assert sum(s.case.order == 2 for s in corpus) >= 5
    assert sum(s.case.points > 0 for s in corpus) >= 3
    pinned = {status for s in corpus if "/kinks/" in s.file for status in s.expect.status.values()}
    assert {"kink", "singular"} <= pinned
