"""`diffcheck run`, tracing: every tensor a snippet makes is kept as a program tree over its leaf tensors, and each
backward() call becomes a `check.Case` (verification.py checks them with `check.check` — the same comparison
`diffcheck check` runs).

An entry is one *version* of a tensor: a leaf (a snapshot of its values) or an op of the table over earlier entries
and Python numbers. A tensor whose values or requires_grad change (`.grad.zero_()`, accumulation, `requires_grad_()`)
gets a new entry; results computed earlier keep pointing at the version they were computed from, as autograd's graph
does. Entries hold their tensors weakly: a tensor the snippet no longer reaches is freed, its entries live on while a
later entry reaches them, and what the tracer knew of it (the variable it was bound to) stays in its `Record` — so a
training loop's memory stays that of one step, not of all.
"""

from __future__ import annotations

import weakref
from typing import Any, Optional

import numpy as np

from .. import engine
from ..check import Case
from ..errors import DiffcheckError
from ..lang.program import Apply, Assign, Const, Pos, Program, Var
from .trace_entries import (
    MAX_ELEMENTS,
    MAX_NODES,
    MAX_STATEMENTS,
    MAX_TRACED,
    CustomCall,
    Entry,
    Record,
    _Pieces,
    _short,
    Taken,
    _Whole,
)


def _constant(entry: Entry) -> bool:
    """A computed tensor of integers (`Xb = Xtr[ix]`, argmax's answer): no gradient flows through it, so the graph
    takes it as an input of its values (an index where a subscript or gather takes it), not as the ops that made it."""
    return entry.op is not None and getattr(entry.value, "dtype", None) is not None and entry.value.dtype.kind in "iu"


class Tracer:
    """Entries for every tensor of one run, the variable each tensor was first bound to, and Case building."""

    def __init__(self, symbolic: bool = False):
        # symbolic: a custom Function's forward, traced under no_grad as if its inputs required grad
        self.symbolic = symbolic
        # id(tensor) -> its latest entry and its record, while it is alive (a freed tensor's id may come again)
        self.entries: dict[int, Entry] = {}
        self.records: dict[int, Record] = {}
        self.serial = 0
        self.elements = 0  # of the traced tensors alive
        self.pieces: list = []  # split's tuples (held: a tuple cannot be referred to weakly)

    def _add(self, tensor, op: Optional[str], args: tuple, params: dict, label: str, pos: Pos) -> Entry:
        key = id(tensor.pieces) if isinstance(tensor, _Pieces) else id(tensor)
        record = self.records.get(key)
        if record is None:
            record = self.records[key] = Record(int(np.size(tensor.data)))
            self.elements += record.elements
            if self.elements > MAX_TRACED:
                raise DiffcheckError(f"the snippet holds more than {MAX_TRACED} tensor elements at once", pos)
            if isinstance(tensor, engine.Tensor):
                weakref.finalize(tensor, self._forget, key)
            else:
                self.pieces.append(tensor)
        self.serial += 1
        entry = Entry(tensor, record, self.serial, op, args, params, _short(label, pos.line), pos)
        self.entries[key] = entry
        return entry

    def _forget(self, key: int) -> None:
        """A traced tensor was freed: its id may be another tensor's next."""
        self.entries.pop(key, None)
        record = self.records.pop(key, None)
        if record is not None:
            self.elements -= record.elements

    def record(self, tensor) -> Optional[Record]:
        return self.records.get(id(tensor))

    def leaf(self, tensor, label: str, pos: Pos) -> Entry:
        return self._add(tensor, None, (), {}, label, pos)

    def entry(self, tensor, label: str, pos: Pos) -> Entry:
        """The entry describing `tensor` now: its latest one if still current, else a new leaf version; a view's
        made again from its parent's entry when that changed (its base was changed in place: PyTorch's regenerated
        view)."""
        latest, record = self.entries.get(id(tensor)), self.records.get(id(tensor))
        if record is not None and record.view and latest is not None and latest.op is not None:  # a view seen made
            parent, op, rest, params = record.view
            base = self.entry(parent, label, pos)
            if record.derived is not base:
                record.derived = base
                return self._add(tensor, op, (base, *(self._ref(a, label, pos) for a in rest)), params, label, pos)
        entry = self.entries.get(id(tensor))
        if entry is not None and (tensor.grad_fn is not None or entry.current(tensor)):
            return entry  # a result that requires grad changes only through recorded in-place ops
        opaque = entry is None and tensor.grad_fn is not None or self.symbolic and entry is not None and entry.op
        entry = self.leaf(tensor, label, pos)
        entry.record.opaque |= bool(opaque)  # symbolic: changed in place in a forward, its values are no program's
        return entry

    def op(self, result, op: str, args: tuple, params: dict, label: str, pos: Pos) -> None:
        """Record `result = op(*args, **params)`; under no_grad the result is a constant leaf, as autograd sees it
        (a custom Function's forward, traced `symbolic`, as if grad were on). A list of tensors (cat's) is its
        tensors, as the check language has them; a tuple an op gave (split's) is that op's entry, and each piece is
        that entry's `[i]`."""
        if len(args) == 1 and type(args[0]) in (list, tuple):
            given = args[0]
            args = (given,) if id(given) in self.entries else tuple(given)
        pieces = result if type(result) is tuple else ()
        if pieces:
            result = _Pieces(result)
        tensors = [a for a in args if isinstance(a, engine.Tensor) or type(a) is tuple]
        view = None
        if isinstance(result, engine.Tensor) and result._base is not None and isinstance(args[0], engine.Tensor):
            view = (args[0], op, args[1:], params), self.entry(args[0], label, pos)
        if not (engine.is_grad_enabled() or self.symbolic) or not tensors:
            for answer in pieces or (result,):
                self._viewed(self.leaf(answer, label, pos), view)
            return
        refs = tuple(self._ref(a, label, pos) for a in args)
        params = {k: self.entry(v, label, pos) if isinstance(v, engine.Tensor) else v for k, v in params.items()}
        whole = self._add(result, op, refs, params, label, pos)
        self._viewed(whole, view)
        for i, piece in enumerate(pieces):  # split(x, 2)[1]: the check language indexes the tuple so too
            self._add(piece, "getitem", (whole,), {"key": (False, (i,))}, label, pos)

    @staticmethod
    def _viewed(entry: Entry, view: Optional[tuple]) -> None:
        if view is not None:
            entry.record.view, entry.record.derived = view

    def written(self, tensor, label: str, pos: Pos) -> None:
        """The view `tensor` was changed in place (its latest entry has the new values): its base's new version is
        the old one with them written in, through each view step back up (a subscript's as an item assignment, a
        reshape's and a transpose's by their inverse), as PyTorch's CopySlices writes into the base."""
        value = self.entries[id(tensor)]
        while (record := self.records.get(id(tensor))) is not None and record.view:
            parent, op, rest, params = record.view
            base = self.entry(parent, label, pos)
            self.serial += 1
            if op == "getitem":
                op, args = "setitem", (base, value, *(self._ref(a, label, pos) for a in rest))
            elif op in _SUBSCRIPTS:  # select, narrow: an item assignment of the subscript they are
                op, args, params = "setitem", (base, value), {"key": _SUBSCRIPTS[op](parent.shape, **params)}
            else:
                op, params = _inverse(op, params, parent.shape)
                args = (value,)
            if op is None:
                base.record.unverifiable = (
                    f"an in-place change of a view made by '{record.view[1]}' (not verifiable yet)"
                )
                self.leaf(parent, label, pos)
                return
            value = Entry(parent, base.record, self.serial, op, args, params, _short(label, pos.line), pos)
            tensor = parent
        self.entries[id(tensor)] = value

    def data_changed(self, tensor) -> None:
        """`tensor`'s values changed through `.data` (no version counts it): a graph that used its earlier values
        reads the new ones in backward where it saved them (PyTorch's saved leaf), which no program states."""
        entry = self.entries.get(id(tensor))
        if entry is not None and entry.op is None and not entry.current(tensor):
            entry.stale = True

    def _ref(self, arg, label: str, pos: Pos):
        if type(arg) is tuple:
            return self.entries[id(arg)]
        return self.entry(arg, label, pos) if isinstance(arg, engine.Tensor) else arg

    def answers(self, result: tuple, op: str, args: tuple, params: dict, label: str, pos: Pos) -> None:
        """Several answers (max(x, dim): values, indices): the first traced as `op(...)[0]`, the others (int64
        indices) as leaves."""
        for other in result[1:]:
            self.leaf(other, label, pos)
        if not (engine.is_grad_enabled() or self.symbolic) or not any(isinstance(a, engine.Tensor) for a in args):
            self.leaf(result[0], label, pos)
            return
        refs = tuple(self.entry(a, label, pos) if isinstance(a, engine.Tensor) else a for a in args)
        self.serial += 1
        whole = Entry(_Whole(result[0]), Record(0), self.serial, op, refs, params, _short(label, pos.line), pos)
        self._add(result[0], "getitem", (whole,), {"key": (False, (0,))}, label, pos)

    def bind(self, name: str, tensor, pos: Pos) -> None:
        record = self.entry(tensor, name, pos).record
        record.binding = record.binding or name

    # ---- one backward() call → one Case --------------------------------------------------------------------------
    def case(
        self,
        root,
        gradient,
        variables: dict[str, Any],
        title: str,
        pos: Pos,
        fixed: Optional[dict] = None,
        leaves: Optional[dict] = None,
        given: Optional[dict] = None,
    ) -> Case:
        """The program from the snippet's leaves to `root` (to sum(root * gradient) with a gradient), as `check`
        takes it; raises DiffcheckError when the graph is too large to verify. `fixed`: names for some tensors (by
        id); `leaves`, if given, receives the leaves' entries by name, and `given` the gradient's name and tensor. A
        custom Function's call is a row of its own (`Case.rows`), its tensor inputs named and retained, so that the
        gradient its backward gave them is compared."""
        return self.joint_case([(root, gradient)], variables, title, pos, fixed, leaves, given)

    def joint_case(
        self,
        pairs: list,
        variables: dict[str, Any],
        title: str,
        pos: Pos,
        fixed: Optional[dict] = None,
        leaves: Optional[dict] = None,
        given: Optional[dict] = None,
    ) -> Case:
        """`case` of several (root, gradient) pairs at once, as torch.autograd.grad takes several outputs: the sum
        of each one's term (sum(root * gradient), or the root)."""
        root_entries = [self.entry(root, title, pos) for root, _ in pairs]
        found, statements, held = self._graph(root_entries)
        self._verifiable(found, statements)  # before naming: a loop's graph too large is refused at once
        names = self._names(found + statements, variables, fixed or {})
        rows: dict[int, Any] = {}  # id(entry) -> the row of a custom Function's call, named in order
        apply = _Builder(names, {id(e) for e in found + statements}, rows).apply
        assigns = [Assign(names[id(e)], apply(e)) for e in statements]
        values = {names[id(e)]: e.value.tolist() for e in found}
        if leaves is not None:
            leaves.update((names[id(e)], e) for e in found)
        no_grad = {names[id(e)] for e in found if not e.requires_grad}
        taken = Taken(names.values())
        dtypes = {names[id(e)]: e.value.dtype.name for e in found if e.value.dtype.kind == "f"}
        terms = []
        for root_entry, (root, gradient) in zip(root_entries, pairs):
            out = names[id(root_entry)]
            if gradient is None:
                terms.append(out)
                continue
            # backward(gradient=g) is the gradient of sum(root * g), g held constant
            record = self.record(gradient)
            label = record.binding if record is not None and record.binding else "gradient"
            g = taken.unique(label if label not in taken else f"{label} (gradient)")
            dtypes[g] = np.asarray(root.data).dtype.name  # PyTorch's backward casts g to the root's dtype
            values[g] = np.asarray(gradient.data, dtype=dtypes[g]).tolist()
            no_grad.add(g)
            if given is not None:
                given[g] = gradient
            assigns.append(Assign(taken.unique(f"sum({out} * {g})"), Apply("sum", (Apply("mul", (Var(out), Var(g))),))))
            terms.append(assigns[-1].name)
        if len(pairs) == 1 and root_entries[0].op is None and pairs[0][1] is None:  # x.backward() on a leaf: dx/dx
            assigns.append(Assign(taken.unique(f"{terms[0]} (output)"), Var(terms[0])))
        elif len(terms) > 1:
            total = Var(terms[0])
            for term in terms[1:]:
                total = Apply("add", (total, Var(term)))
            assigns.append(Assign(taken.unique(" + ".join(terms)), total))
        retain = {names[id(e)] for e in statements if self._retained(e) or id(e) in held and e.requires_grad}
        program = Program(tuple(assigns), title)
        # in the leaves' dtypes, so that the engine's run is the snippet's: float32 if any is (judged in its ulps)
        dtype = "float32" if "float32" in dtypes.values() else "float64"
        return Case(
            program,
            values,
            frozenset(no_grad),
            frozenset(retain),
            name=title,
            dtype=dtype,
            dtypes={name: kind for name, kind in dtypes.items() if kind != dtype},
            rows=tuple(rows.values()),
        )

    def _graph(self, root_entries: list) -> tuple[list, list, set]:
        """The leaves and the named statements reaching the roots (in creation order), and the ids of the non-leaf
        entries passed to a custom Function (named and retained)."""
        reached = {id(e): e for e in root_entries}
        roots = set(reached)
        stack = list(reached.values())
        while stack:
            entry = stack.pop()
            if _constant(entry) and id(entry) not in roots:
                continue  # its history carries no gradient: it is an input of the graph, as its values
            for arg in (*entry.args, *entry.params.values()):  # linear's bias is a parameter
                if isinstance(arg, Entry) and id(arg) not in reached:
                    reached[id(arg)] = arg
                    stack.append(arg)
        ordered = sorted(reached.values(), key=lambda e: e.serial)
        custom = [e for e in ordered if isinstance(e.op, CustomCall)]
        problem = next((e.op.problem for e in custom if e.op.problem), None)
        if problem:
            raise DiffcheckError(problem)
        held = {id(a) for e in custom for a in e.args if isinstance(a, Entry) and a.op is not None}
        inputs = [e for e in ordered if e.op is None or _constant(e) and id(e) not in roots]
        statements = [
            e
            for e in ordered
            if e.op is not None
            and not (_constant(e) and id(e) not in roots)
            and (id(e) in roots or e.record.binding or self._retained(e) or id(e) in held)
        ]
        return inputs, statements, held

    def _verifiable(self, leaves: list, statements: list) -> None:
        """Refuse a graph through what the tracer did not see (a leaf changed through .data, a create_graph
        gradient), or larger than the limits (defaults.SNIPPET_MAX_*) that keep its verification inside the timeout."""
        if any(e.stale for e in leaves):
            raise DiffcheckError(
                "a leaf of the graph was changed through .data after the graph used it (PyTorch's backward reads the "
                "new values where it saved the leaf): not verifiable"
            )
        problem = next((e.record.unverifiable for e in leaves if e.record.unverifiable), None)
        if problem:
            raise DiffcheckError(problem)
        if any(e.record.opaque and (e.requires_grad or self.symbolic) for e in leaves):
            if self.symbolic:
                raise DiffcheckError("a tensor of it was changed in place")
            raise DiffcheckError("the graph goes through a gradient made with create_graph=True (not verifiable yet)")
        elements = sum(e.value.size for e in leaves)
        for count, what, limit in (
            (len(statements), "named tensors", MAX_STATEMENTS),
            (elements, "leaf elements", MAX_ELEMENTS),
        ):
            if count > limit:
                raise DiffcheckError(f"graph too large to verify: {count} {what} (limit {limit})")

    def _retained(self, entry: Entry) -> bool:
        tensor = entry.tensor
        return tensor is not None and tensor.retains_grad and self.entries.get(id(tensor)) is entry

    def _names(self, entries: list[Entry], variables: dict[str, Any], fixed: dict) -> dict[int, str]:
        """Variable names for bound tensors, source text for the rest. When several versions want one name, the
        version the variable holds now keeps it and the others say the line they come from (`y@5`)."""
        groups: dict[str, list[Entry]] = {}
        tensors = {id(e): e.tensor for e in entries}
        names: dict[int, str] = {
            id(e): fixed[id(tensors[id(e)])]
            for e in entries
            if tensors[id(e)] is not None and id(tensors[id(e)]) in fixed
        }
        taken = Taken(names.values())
        for e in entries:
            if id(e) not in names:
                groups.setdefault(e.record.binding or e.label, []).append(e)
        for base, group in groups.items():
            holder = variables.get(base)
            keep = (
                group[0]
                if len(group) == 1
                else next(
                    (e for e in reversed(group) if tensors[id(e)] is holder and self.entries.get(id(holder)) is e), None
                )
            )
            for e in group:
                names[id(e)] = taken.unique(base if e is keep else f"{base}@{e.pos.line}")
        return names


_RESHAPES = {"view", "reshape", "flatten", "squeeze", "unsqueeze", "ravel", "unflatten"}
_INVOLUTIONS = {"t", "T", "mT", "transpose"}


def _select_key(shape: tuple, dim: int, index: int) -> tuple:
    """select(dim, index) as the subscript x[:, ..., index] (a written tuple of items)."""
    dim = dim % len(shape)
    return True, (("slice", None, None, None),) * dim + (index % shape[dim],)


def _narrow_key(shape: tuple, dim: int, start: int, length: int) -> tuple:
    """narrow(dim, start, length) as the subscript x[:, ..., start:start + length]."""
    dim = dim % len(shape)
    start = start % shape[dim] if start < 0 else start
    return True, (("slice", None, None, None),) * dim + (("slice", start, start + length, None),)


_SUBSCRIPTS = {"select": _select_key, "narrow": _narrow_key}


def _inverse(op: str, params: dict, shape: tuple) -> tuple:
    """The op and params that take a view's values back to its parent's layout; (None, None) if none here."""
    if op in _RESHAPES:
        return "reshape", {"shape": tuple(shape)}
    if op in _INVOLUTIONS:
        return op, params
    if op == "permute":
        dims = params["dims"]
        return "permute", {"dims": tuple(int(i) for i in np.argsort([d % len(dims) for d in dims]))}
    if op == "movedim":
        return "movedim", {"source": params["destination"], "destination": params["source"]}
    return None, None


class _Builder:
    """Entries to the program's expressions: a named entry is its Var, any other its op applied (at most MAX_NODES),
    a custom Function's call the row it brings (`rows`, named in order)."""

    def __init__(self, names: dict, named: set, rows: dict):
        self.names, self.named, self.rows, self.budget = names, named, rows, MAX_NODES
        self.taken = Taken()  # the rows' names

    def apply(self, entry: Entry) -> Apply:
        self.budget -= 1
        if self.budget < 0:
            raise DiffcheckError(f"graph too large to verify (more than {MAX_NODES} operations)")
        args, params = tuple(self.expr(a) for a in entry.args), entry.params
        if isinstance(entry.op, CustomCall):
            row = entry.op.row(self.taken.unique(entry.op.name))
            self.rows[id(entry)] = row
            return Apply(row.name, args, (), entry.pos)
        if entry.op == "clone":  # x.clone() is its input to differentiate (the check language has no clone)
            return args[0]
        if "dim" in params and (params["dim"] is None or type(params["dim"]) is tuple):
            return _reduction(entry, args)
        return Apply(entry.op, args, tuple((k, self.expr(v)) for k, v in params.items()), entry.pos)

    def expr(self, arg):
        if not isinstance(arg, Entry):
            return Const(int(arg) if isinstance(arg, (bool, np.bool_)) else arg)
        return Var(self.names[id(arg)]) if id(arg) in self.named else self.apply(arg)


def _reduction(entry: Entry, args: tuple) -> Apply:
    """sum/mean over dim=None or several dims (`x.sum(dim=(0, 1))`, `dim=()` every dim) as `check` says it, whose dim
    is one integer: sum(x) when every dim goes, else one dim at a time, the highest first so that the lower ones keep
    their place. A mean of means is the mean (each is over equally many elements); the values, and so the gradients,
    are those of the one reduction."""
    dims, keep = entry.params["dim"], entry.params.get("keepdim", False)
    ndim = entry.args[0].ndim
    axes = sorted({d % max(ndim, 1) for d in dims or range(ndim)}, reverse=True) if dims or keep else ()
    if not axes:
        return Apply(entry.op, args, (), entry.pos)
    for axis in axes:
        args = (Apply(entry.op, args, (("dim", Const(axis)),) + ((("keepdim", Const(1)),) if keep else ()), entry.pos),)
    return args[0]
