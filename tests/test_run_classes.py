"""`diffcheck run`, the snippet's plain classes and the builtins that call the snippet back (map, filter, sorted's
key, getattr): Python's behaviour and errors (recorded with Python 3.11, the interpreter PyTorch 2.13 ran under), and
the run's limits holding inside methods, `__repr__` and lazy iterators. What PyTorch prints for whole programs is
tests/python_snippets/classes.py and iterators.py, tests/nn_snippets/module_inheritance.py and the tutorial
makemore_batchnorm.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffcheck.errors import DiffcheckError
from diffcheck.snippet import run_snippet
from diffcheck.snippet.parse import parse_snippet


def run(text: str) -> tuple[str, object]:
    """What the run printed, and how it ended: None, Python's exception as one line, or diffcheck's refusal."""
    printed: list[str] = []
    outcome = run_snippet(parse_snippet(text, "s.py"), printed.append)
    return "".join(printed), outcome.raised or (outcome.error and str(outcome.error))


@pytest.mark.parametrize(
    "text, ended",
    [
        (
            "class A:\n    def __init__(self):\n        return 1\nA()\n",
            "s.py:4: TypeError: __init__() should return None, not 'int'",
        ),
        (
            "class A:\n    def __str__(self):\n        return 1\nprint(A())\n",
            "s.py:4: TypeError: __str__ returned non-string (type int)",
        ),
        (
            "class A:\n    def __repr__(self):\n        return None\nprint([A()])\n",
            "s.py:4: TypeError: __repr__ returned non-string (type NoneType)",
        ),
        (
            "class A:\n    def __len__(self):\n        return -1\nlen(A())\n",
            "s.py:4: ValueError: __len__() should return >= 0",
        ),
        (
            "class A:\n    def __len__(self):\n        return 1.5\nlen(A())\n",
            "s.py:4: TypeError: 'float' object cannot be interpreted as an integer",
        ),
        (
            "class A:\n    def __init__(self):\n        super().__init__(1)\nA()\n",
            "s.py:3: TypeError: A.__init__() takes exactly one argument (the instance to initialize)",
        ),
        (
            "class A:\n    def f(self):\n        return 1\nA().f(2)\n",
            "s.py:4: TypeError: A.f() takes 1 positional argument but 2 were given",
        ),
        (
            "class A:\n    def f(self):\n        return 1\nA.f()\n",
            "s.py:4: TypeError: A.f() missing 1 required positional argument: 'self'",
        ),
        (
            "class A:\n    n = 1\nclass B:\n    m = 2\nprint(A.m)\n",
            "s.py:5: AttributeError: type object 'A' has no attribute 'm'",
        ),
        ("class A:\n    pass\nprint(getattr(A(), 'n'))\n", "s.py:3: AttributeError: 'A' object has no attribute 'n'"),
        ("print(getattr([], 1))\n", "s.py:1: TypeError: attribute name must be string, not 'int'"),
        ("print(list(map(1, [1])))\n", "s.py:1: TypeError: 'int' object is not callable"),
        ("map(abs, 1)\n", "s.py:1: TypeError: 'int' object is not iterable"),
        ("class A:\n    pass\nmap(abs, A())\n", "s.py:3: TypeError: 'A' object is not iterable"),
        ("m = map(abs, [1])\nlen(m)\n", "s.py:2: TypeError: object of type 'map' has no len()"),
        ("[2, 1].sort(dim=0)\n", "s.py:1: TypeError: 'dim' is an invalid keyword argument for sort()"),
        ("class A:\n    pass\nA() + 1\n", "s.py:3: TypeError: unsupported operand type(s) for +: 'A' and 'int'"),
        (
            "class A:\n    pass\nA() ** 2\n",
            "s.py:3: TypeError: unsupported operand type(s) for ** or pow(): 'A' and 'int'",
        ),
        ("class A:\n    pass\nA() < A()\n", "s.py:3: TypeError: '<' not supported between instances of 'A' and 'A'"),
        ("class A:\n    pass\n-A()\n", "s.py:3: TypeError: bad operand type for unary -: 'A'"),
        ("class A:\n    pass\n1 in A()\n", "s.py:3: TypeError: argument of type 'A' is not iterable"),
        ("class A:\n    pass\nabs(A())\n", "s.py:3: TypeError: bad operand type for abs(): 'A'"),
        (
            "class A:\n    pass\nmin([A(), A()])\n",
            "s.py:3: TypeError: '<' not supported between instances of 'A' and 'A'",
        ),
        ("class A:\n    pass\n','.join([A()])\n", "s.py:3: TypeError: sequence item 0: expected str instance, A found"),
        (
            "import torch.nn as nn\nnn.ReLU() + 1\n",
            "s.py:2: TypeError: unsupported operand type(s) for +: 'ReLU' and 'int'",
        ),
        (
            "class A:\n    pass\nclass B:\n    def f(self):\n        return super(A, self).f()\nB().f()\n",
            "s.py:5: TypeError: super(type, obj): obj must be an instance or subtype of type",
        ),
    ],
)
def test_pythons_errors_at_their_line(text, ended):
    assert run(text)[1] == ended


def test_a_name_none_of_the_classes_defines_is_refused_before_the_run():
    with pytest.raises(DiffcheckError) as caught:
        parse_snippet("class A:\n    n = 1\nA.m\n", "s.py")
    assert str(caught.value) == "s.py:3:3: attribute 'm' is not supported"


@pytest.mark.parametrize(
    "text, stopped",
    [
        (
            "super()\n",
            "s.py:1:1: super() is supported only in a method of the snippet's classes: super() or super(Class, self)",
        ),
        (
            "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g\nclass G(F):\n    pass\n",
            "s.py:9:1: class 'G': its base 'F' is not one of the snippet's plain or nn.Module classes",
        ),
        (
            "class A:\n    @property\n    def p(self):\n        return 1\nA.p\n",
            "s.py:5:1: reading property 'p' from class 'A' is not supported",
        ),
        ("class A:\n    pass\nsorted([A(), A()])\n", "s.py:3:1: sorted() of 'A' objects is not supported"),
        (
            "import torch\nx = torch.ones(2)\nsorted([x, x], key=lambda t: t)\n",
            "s.py:3:1: sorted() by tensors (key=) is not supported",
        ),
        (
            "import torch\nx = torch.ones(1)\nname = '__' + 'class__'\ngetattr(x, name)\n",
            "s.py:4:1: attribute '__class__' is not supported",
        ),
    ],
)
def test_what_stays_refused_stops_with_one_line(text, stopped):
    assert run(text) == ("", stopped)


@pytest.mark.parametrize(
    "text, stopped",
    [
        (
            "class A:\n    def f(self, n):\n        return self.f(n + 1)\nA().f(0)\n",
            "s.py:3:16: calls nest more than 100 deep (--max-depth)",
        ),
        (
            "class A:\n    def __init__(self):\n        self.a = A()\nA()\n",
            "s.py:3:18: calls nest more than 100 deep (--max-depth)",
        ),
        (
            "class A:\n    def __repr__(self):\n        return repr(self)\nprint(A())\n",
            "s.py:4:1: calls nest more than 100 deep (--max-depth)",
        ),
        (
            "class A:\n    def __call__(self):\n        return self()\nA()()\n",
            "s.py:3:16: calls nest more than 100 deep (--max-depth)",
        ),
        (
            "print(list(map(lambda v: v, range(10 ** 6))))\n",
            "s.py:1:12: the snippet runs more than 100000 statements (--max-steps)",
        ),
        (
            "f = filter(lambda v: False, range(10 ** 12))\nprint(list(f))\n",
            "s.py:1:5: the snippet runs more than 100000 statements (--max-steps)",
        ),
        (
            "class A:\n    def __repr__(self):\n        return 'x' * 600000\nprint([A(), A()])\n",
            "s.py:4:1: string longer than 1000000 characters",
        ),
        (
            "class A:\n    def __str__(self):\n        return 'x' * 999999\na = A()\nprint(f'{a}{[a, a]}')\n",
            "s.py:5:7: string longer than 1000000 characters",
        ),
    ],
)
def test_the_limits_hold_in_methods_and_iterators(text, stopped):
    assert run(text) == ("", stopped)


def test_one_objects_text_at_a_time_is_measured():
    """Each conversion to text counts what the snippet's __repr__ returned for it, not what earlier ones did."""
    text = "class A:\n    def __repr__(self):\n        return 'x' * 600000\nfor _ in range(3):\n    print(len(repr(A())))\n"
    assert run(text) == ("600000\n600000\n600000\n", None)


def test_a_class_body_binds_in_order_and_methods_close_over_the_module():
    text = (
        "k = 10\nclass A:\n    x = 1\n    y = x + k\n    def x(self):\n        return k + self.y\n"
        "    def f(self):\n        return 1\n    f = 3\nprint(A.y, A().x(), A.f)\n"
    )
    assert run(text) == ("11 21 3\n", None)


def test_static_and_class_methods_and_type():
    text = (
        "class A:\n    @staticmethod\n    def f(a, b):\n        return a + b\n    @classmethod\n    def g(cls, v):\n"
        "        return cls.f(v, 1), cls\nclass B(A):\n    pass\nprint(A.g(2), B().g(3), type(B()) is B, type(B()) is A)\n"
    )
    assert run(text) == ("(3, <class '__main__.A'>) (4, <class '__main__.B'>) True False\n", None)


def test_functions_and_bound_methods_print_as_pythons():
    """Recorded with Python 3.11: a method read from its class is the function, from an object a bound method (a
    class method's bound to the class), named after the class that defines it."""
    text = (
        "class A:\n    def f(self):\n        return 1\n    @classmethod\n    def g(cls):\n        return 2\n"
        "class B(A):\n    def f(self):\n        return super().f() + 10\na = B()\nprint(A.f, a.f, B.g, a.g)\n"
        "print(A.f(a), B.f(a), a.f(), a.g())\n"
    )
    printed, ended = run(text)
    assert ended is None
    assert re.sub("0x[0-9a-f]+", "0x…", printed) == (
        "<function A.f at 0x…> <bound method B.f of <__main__.B object at 0x…>> <bound method A.g of <class "
        "'__main__.B'>> <bound method A.g of <class '__main__.B'>>\n1 11 11 2\n"
    )


def test_an_objects_default_text_is_pythons():
    printed, ended = run("class A:\n    pass\nclass B(A):\n    pass\nprint(A(), B, [B()])\n")
    assert ended is None
    assert (
        printed.startswith("<__main__.A object at 0x") and " <class '__main__.B'> [<__main__.B object at 0x" in printed
    )


_INTS = st.lists(st.integers(-50, 50), max_size=12)


@settings(max_examples=40, deadline=None)
@given(values=_INTS, scale=st.integers(-3, 3), modulus=st.integers(1, 5), reverse=st.booleans())
def test_map_filter_and_keyed_sorts_are_pythons(values, scale, modulus, reverse):
    """Lazy map and filter, sorted(key=) and list.sort(key=) (stable, reversed or not) give what Python's give."""
    text = (
        f"xs = {values!r}\nm = map(lambda v: v * {scale}, xs)\nprint(list(m), list(m))\n"
        f"print(list(filter(lambda v: v % {modulus} == 0, xs)))\n"
        f"print(sorted(xs, key=lambda v: v % {modulus}, reverse={reverse}))\n"
        f"ys = list(xs)\nys.sort(key=lambda v: -abs(v), reverse={reverse})\nprint(ys)\n"
    )
    expected = (
        f"{[v * scale for v in values]} []\n{[v for v in values if v % modulus == 0]}\n"
        f"{sorted(values, key=lambda v: v % modulus, reverse=reverse)}\n"
        f"{sorted(values, key=lambda v: -abs(v), reverse=reverse)}\n"
    )
    assert run(text) == (expected, None)


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(st.integers(0, 9), max_size=8), start=st.integers(-5, 5))
def test_instance_attributes_shadow_class_attributes(steps, start):
    """`self.n += k` reads the class attribute until the instance has its own; the class's stays as it was."""
    text = (
        f"class C:\n    n = {start}\n    def add(self, k):\n        self.n += k\n        return self\n"
        f"c = C()\nfor k in {steps!r}:\n    c.add(k)\nprint(c.n, C.n, C().n)\n"
    )
    assert run(text) == (f"{start + sum(steps)} {start} {start}\n", None)
