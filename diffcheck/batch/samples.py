"""Sample files: TOML `[[case]]` tables → validated cases with pinned expectations, and the `--update` writer.

Read with the standard `tomllib`; every refusal is one line naming the file, the line and the case (`tomllib` keeps no
positions: `lines.Locator` finds them in the raw text).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from ..check import Case
from ..defaults import ATOL, MAX_POINTS, MAX_SAMPLE_BYTES, RTOL
from ..errors import DiffcheckError
from .expect import Expect, suggest, expectations
from .lines import CaseLines, Locator, nesting
from .values import _a, _Invalid, _toml_float, _toml_type, _unheld, tensor_value

# key -> what it holds, for messages and the table of docs/sample-files.md. Order is the order `--update` and the docs use.
KEYS = {
    "name": "string",
    "program": "string",
    "inputs": "table",
    "no_grad": "array of names",
    "retain_grad": "array of names",
    "rtol": "number",
    "atol": "number",
    "strict": "boolean",
    "order": "integer",
    "points": "integer",
    "seed": "integer",
    "numeric": "boolean",
    "engines": "array of engine names",
    "dtype": 'string ("float64" or "float32")',
    "expect": "table",
}
DTYPES = ("float64", "float32")
CASE_HEADER = re.compile(r"""^[ \t]*\[\[[ \t]*(case|"case"|'case')[ \t]*\]""", re.MULTILINE)  # a sample file's mark
BOM = "\ufeff"
MAX_NESTING = 100  # arrays and inline tables in a sample file (values need 3 levels; tomllib recurses per level)


class SampleError(DiffcheckError):
    """A sample case that cannot be used; `str()` is `file:line: case 'name': message`."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass
class Sample:
    """One runnable case of a sample file."""

    file: str
    line: int
    index: int  # position among the file's [[case]] tables
    name: str
    case: Case
    expect: Expect
    digest: str = ""  # of the file's text as loaded: `--update` rewrites only that text
    engines: tuple[str, ...] = ()  # `engines = [...]`: the built-in engines the case runs on (default: diffcheck's)
    engine: str = ""  # the engine this copy of the case runs on (for_engines); empty: diffcheck's own, unnamed


@dataclass
class Unloaded:
    """A case found in its file and not yet read key by key: the worker that runs it loads it (`load`), so the parsing of
    a big batch is shared by the workers, not done by the parent before any case starts. `line`, `name` and `engine`
    are what the loaded Sample's will be. (A case needed loaded sooner, for its engines or in a file that repeats a
    name, is loaded by the parent, as `load(lazy=False)` loads every case.)"""

    file: str
    line: int
    index: int
    name: Optional[str]  # as written; None unless a string (the case is then refused when loaded)
    raw: dict
    lines: CaseLines
    digest: str
    changes: tuple[tuple[str, object], ...] = ()  # (field, value) the command sets in the Case (--dtype, --symbolic)
    engine: str = ""

    def load(self) -> "Sample | Refusal":
        loaded = _loaded(self.raw, self.index, self.file, self.lines)
        if isinstance(loaded, Sample):
            loaded.digest = self.digest
            loaded.case = replace(loaded.case, **dict(self.changes))
        return loaded


@dataclass
class Refusal:
    """A file or case that could not be loaded: reported as an error, never silently skipped."""

    file: str
    line: int
    name: Optional[str]
    message: str  # one line, starting with file:line


# ---- loading ------------------------------------------------------------------------------------------------------------
def text_digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class _Unreadable(Exception):
    """The whole file is refused: one row, with its line, naming what is wrong."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def load(text: str, file: str, lazy: bool = False) -> tuple[list[Sample | Unloaded | Refusal], list[str]]:
    """The cases of one sample file, in file order (refused ones included), and warnings. `lazy`: cases left to be
    loaded where they run (`Unloaded`), unless the file repeats a case's name (duplicates are told apart by loading)."""
    digest = text_digest(text)
    text = text.removeprefix(BOM)  # one, as for a program; a second is refused by tomllib
    try:
        data = _read_toml(text, file)
        locator = Locator(text)
        cases = _cases_of(data, locator, file)
    except _Unreadable as error:
        return [Refusal(file, error.line, None, error.message)], []
    if not cases:
        return [], [f"{file}:1: no [[case]] tables in this file"]
    if lazy and _distinct(cases):
        return [
            Unloaded(file, lines.header, i, _name(raw), raw, lines, digest)
            for i, (raw, lines) in enumerate(zip(cases, locator.cases))
        ], []
    return _samples(cases, file, locator, digest), []


def _name(raw: dict) -> Optional[str]:
    return raw.get("name") if isinstance(raw.get("name"), str) else None


def _distinct(cases: list) -> bool:
    names = [name for name in map(_name, cases) if name is not None]
    return len(set(names)) == len(names)


def _read_toml(text: str, file: str) -> dict:
    import tomllib

    depth, line = nesting(text)
    if depth > MAX_NESTING:
        raise _Unreadable(
            line,
            f"{file}:{line}: invalid TOML: arrays or inline tables nested {depth} deep (the limit is {MAX_NESTING})",
        )
    try:
        return tomllib.loads(text, parse_float=_toml_float)
    except RecursionError:  # within the limit, but loaded from deep in a stack
        raise _Unreadable(
            line,
            f"{file}:{line}: invalid TOML: arrays or inline tables nested too deeply to read here "
            "(Python's recursion limit)",
        ) from None
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
        line = int(found.group(1)) if found else max(1, text.count("\n") + 1)
        where = f"{file}:{found.group(1)}:{found.group(2)}" if found else f"{file}:{line}"
        raise _Unreadable(line, f"{where}: invalid TOML: {message}") from None


def _cases_of(data: dict, locator: Locator, file: str) -> list:
    """The file's [[case]] tables; any other top-level key, or a `case` that is not an array of tables, refuses it."""
    for key in data:
        if key != "case":
            line = locator.top.get(key, 1)
            raise _Unreadable(
                line,
                f"{file}:{line}: unknown top-level key '{key}'{suggest(key, ['case'])}"
                " (a sample file holds [[case]] tables)",
            )
    cases = data.get("case", [])
    if not isinstance(cases, list) or len(cases) != len(locator.cases):
        line = locator.top.get("case", 1)
        raise _Unreadable(
            line, f"{file}:{line}: 'case' must be an array of tables: write each case under its own [[case]] header"
        )
    return cases


def _samples(cases: list, file: str, locator: Locator, digest: str) -> list[Sample | Refusal]:
    loaded: list[Sample | Refusal] = []
    names: dict[str, int] = {}
    for index, raw in enumerate(cases):
        sample = _loaded(raw, index, file, locator.cases[index])
        if isinstance(sample, Refusal):
            loaded.append(sample)
            continue
        if sample.name in names:
            loaded.append(
                Refusal(
                    file,
                    sample.line,
                    sample.name,
                    f"{file}:{sample.line}: case '{sample.name}': "
                    f"duplicate name (also the case on line {names[sample.name]})",
                )
            )
            continue
        names[sample.name] = sample.line
        sample.digest = digest
        loaded.append(sample)
    return loaded


def _loaded(raw: dict, index: int, file: str, lines: CaseLines) -> Sample | Refusal:
    try:
        return _CaseReader(raw, index, file, lines).sample()
    except SampleError as error:
        return Refusal(file, error.line, _name(raw), str(error))


class _CaseReader:
    """One `[[case]]` table read key by key; every refusal names the file, the line of the key and the case."""

    def __init__(self, raw: dict, index: int, file: str, lines: CaseLines):
        self.raw, self.index, self.file, self.lines = raw, index, file, lines
        name = raw.get("name")
        self.label = f"case '{name}'" if isinstance(name, str) and name.strip() else f"case #{index + 1}"

    def refuse(self, message: str, *path: str, line: Optional[int] = None) -> SampleError:
        line = line or self.lines.line(path)
        return SampleError(f"{self.file}:{line}: {self.label}: {message}", line)

    def typed(self, key: str, kinds, default):
        value = self.raw.get(key, default)
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):  # TOML true is no number
            raise self.refuse(f"'{key}' must be {_a(KEYS[key])}, not {_toml_type(value)}", key)
        return value

    def sample(self) -> Sample:
        raw = self.raw
        for key in raw:
            if key not in KEYS:
                raise self.refuse(f"unknown key '{key}'{suggest(key, KEYS)}", key)
        for key in ("name", "program"):
            if key not in raw:
                raise self.refuse(f"missing required key '{key}'")
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise self.refuse(f"'{key}' must be a non-empty string", key)
        program = self.program()
        inputs, computed = program.inputs, tuple(s.name for s in program.statements)
        values = self.values(inputs, computed)
        no_grad, retain = self.names("no_grad", inputs), self.names("retain_grad", computed)
        rtol, atol = self.tolerance("rtol", RTOL), self.tolerance("atol", ATOL)
        order, points, seed = self.counts()
        case = Case(
            program,
            values,
            no_grad=no_grad,
            retain=retain,
            rtol=rtol,
            atol=atol,
            strict=self.typed("strict", bool, False),
            name=raw["name"],
            order=order,
            points=points,
            seed=seed,
            numeric=self.typed("numeric", bool, False),
            dtype=self.dtype(),
        )
        requiring = [n for n in inputs if n not in no_grad]
        tensors = [*inputs, *computed]
        if order == 2:  # Hessian blocks, as check names them
            tensors += [f"d2/d{a}d{b}" for i, a in enumerate(requiring) for b in requiring[i:]]
        expect = expectations(self.typed("expect", dict, {}), tensors, points, self.refuse)
        engines = self.engines()
        return Sample(self.file, self.lines.header, self.index, raw["name"], case, expect, engines=engines)

    def dtype(self) -> str:
        """`dtype = "float32"`: the engine's leaves in float32, judged in float32 ulps (as `check --dtype`)."""
        dtype = self.typed("dtype", str, "float64")
        if dtype not in DTYPES:
            raise self.refuse(f'\'dtype\' must be "float64" or "float32", not "{dtype[:40]}"', "dtype")
        return dtype

    def engines(self) -> tuple[str, ...]:
        """`engines = ["torch"]`: built-in names only. A user's engine runs the user's code, so a sample file (which
        may come from anyone) can never name one: only the command line or the user's pyproject.toml can."""
        from ..engines import BUILT_IN

        names = self.typed("engines", list, [])
        for name in names:
            if name not in BUILT_IN:
                shown = name if isinstance(name, str) else _toml_type(name)
                raise self.refuse(
                    f"'engines' names '{shown}': a sample file names only built-in engines ({', '.join(BUILT_IN)}); "
                    "a user's engine is named on the command line (--engine), never by a sample",
                    "engines",
                )
        return tuple(dict.fromkeys(names))

    def program(self):
        from ..lang.parse import parse_program

        try:
            return parse_program(self.raw["program"], where="program")
        except DiffcheckError as error:
            start = self.lines.value_starts.get(("program",), self.lines.line(("program",)))
            line = start + (error.pos.line - 1 if error.pos else 0)
            at = f" at {error.pos}" if error.pos else ""
            raise self.refuse(f"program{at}: {error.message}", line=line) from None

    def values(self, inputs: tuple, computed: tuple) -> dict:
        values = {}
        for name, value in self.typed("inputs", dict, {}).items():
            if name not in inputs:
                kind = "is computed by the program" if name in computed else "is not used by the program"
                raise self.refuse(
                    f"input '{name}' {kind}{suggest(name, inputs)}; inputs are: {', '.join(inputs) or '(none)'}",
                    "inputs",
                    name,
                )
            try:
                values[name] = tensor_value(value)
            except _Invalid as error:
                raise self.refuse(f"input '{name}': {error}", "inputs", name) from None
        missing = [n for n in inputs if n not in values]
        if missing and not self.raw.get("points"):  # random points need no values (an input left out is a scalar)
            raise self.refuse(
                f"no value for input '{missing[0]}' (add it to inputs: {{ {missing[0]} = ... }})", "inputs"
            )
        return values

    def names(self, key: str, allowed: tuple) -> frozenset:
        listed = self.typed(key, list, [])
        for name in listed:
            if not isinstance(name, str):
                raise self.refuse(f"'{key}' must be an array of names, not one holding {_toml_type(name)}", key)
            if name not in allowed:
                what = "an input" if key == "no_grad" else "a computed name"
                raise self.refuse(
                    f"'{key}' names '{name}', not {what} of the program{suggest(name, allowed)} "
                    f"({'inputs' if key == 'no_grad' else 'computed'}: {', '.join(allowed)})",
                    key,
                )
        return frozenset(listed)

    def tolerance(self, key: str, default: float) -> float:
        value = self.typed(key, (int, float), default)
        if problem := _unheld(value):
            raise self.refuse(f"'{key}': {problem}", key)
        if not math.isfinite(float(value)) or value < 0:
            raise self.refuse(f"'{key}' must be a finite number >= 0", key)
        return float(value)

    def counts(self) -> tuple[int, int, int]:
        order, points, seed = self.typed("order", int, 1), self.typed("points", int, 0), self.typed("seed", int, 0)
        if order not in (1, 2):
            raise self.refuse(f"'order' must be 1 or 2, not {order}", "order")
        if not 0 <= points <= MAX_POINTS:
            raise self.refuse(
                f"'points' must be 0 to {MAX_POINTS} (0: check at the inputs given), not {points}", "points"
            )
        if seed < 0:
            raise self.refuse(f"'seed' must be >= 0, not {seed}", "seed")
        return order, points, seed


def in_dtype(items: list, dtype: Optional[str]) -> list:
    """`verify --dtype`: every sample's case in `dtype`, whatever its own `dtype` key says (None: as they say)."""
    return items if dtype is None else [with_case(item, dtype=dtype) for item in items]


def with_case(item: Sample | Unloaded | Refusal, **changes) -> Sample | Unloaded | Refusal:
    """The item with `changes` made to its Case (an unloaded one's made when it is loaded); a refusal as it is."""
    if isinstance(item, Sample):
        return replace(item, case=replace(item.case, **changes))
    if isinstance(item, Unloaded):
        return replace(item, changes=item.changes + tuple(changes.items()))
    return item


def for_engines(items: list, engines: tuple[str, ...]) -> list:
    """Each sample once per engine it runs on, with that engine's pins: the command's `engines` (--engine) when given,
    else the sample's own `engines` list; a sample listing engines runs only on those. A copy for an engine carries
    its name (`name [torch]`), so every report row says which engine it is about. No engines anywhere: unchanged."""
    out = []
    for item in items:
        if isinstance(item, Unloaded) and (engines or "engines" in item.raw):  # its copies are known once it is loaded
            item = item.load()
        if not isinstance(item, Sample) or not (engines or item.engines):
            out.append(item)
            continue
        chosen = [e for e in engines if not item.engines or e in item.engines] if engines else list(item.engines)
        for engine in chosen:
            out.append(replace(item, name=f"{item.name} [{engine}]", expect=item.expect.on(engine), engine=engine))
    return out


def is_sample_file(path: Path) -> bool:
    """A TOML file found in a folder is a sample file when its top level has a `case` array (`[[case]]` tables); one
    that is not valid TOML, when it has a `[[case]]` header, so a broken sample file is still reported. (A file named
    on the command line is collected whatever it holds, and the loader says what is wrong with it.)"""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_SAMPLE_BYTES + 1)
    except OSError:
        return False  # not a file we can tell anything about: only collected when named explicitly
    text = data.decode("utf-8", "replace").removeprefix(BOM)
    if len(data) > MAX_SAMPLE_BYTES or nesting(text)[0] > MAX_NESTING:  # not parsed: the loader refuses it
        return CASE_HEADER.search(text) is not None
    try:
        return isinstance(tomllib.loads(text).get("case"), list)
    except (tomllib.TOMLDecodeError, RecursionError):  # broken, or parsed from deep in a stack
        return CASE_HEADER.search(text) is not None
