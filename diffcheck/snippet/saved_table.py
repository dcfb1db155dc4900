"""What PyTorch 2.13's nodes save, for saved_tensors_hooks: op row -> which inputs require grad ("t"/"c" for
self, other) -> (grad_fn, roles packed in order, roles unpacked in order). A copy of tests/saved_hooks.json (recorded
by tests/saved_hooks_cases.py); tests/test_run_saved_hooks.py checks that they agree."""

SAVED = {
    "abs": {
        "t": ("AbsBackward0", ("self",), ("self",)),
    },
    "acos": {
        "t": ("AcosBackward0", ("self",), ("self",)),
    },
    "add": {
        "ct": ("AddBackward0", (), ()),
        "tc": ("AddBackward0", (), ()),
        "tt": ("AddBackward0", (), ()),
    },
    "asin": {
        "t": ("AsinBackward0", ("self",), ("self",)),
    },
    "atan": {
        "t": ("AtanBackward0", ("self",), ("self",)),
    },
    "atan2": {
        "ct": ("Atan2Backward0", ("other", "self"), ("other", "self")),
        "tc": ("Atan2Backward0", ("other", "self"), ("other", "self")),
        "tt": ("Atan2Backward0", ("other", "self"), ("other", "self")),
    },
    "clone": {
        "t": ("CloneBackward0", (), ()),
    },
    "cos": {
        "t": ("CosBackward0", ("self",), ("self",)),
    },
    "cosh": {
        "t": ("CoshBackward0", ("self",), ("self",)),
    },
    "div": {
        "ct": ("DivBackward0", ("other", "self"), ("other", "self")),
        "tc": ("DivBackward0", ("other",), ("other",)),
        "tt": ("DivBackward0", ("other", "self"), ("other", "self")),
    },
    "dot": {
        "ct": ("DotBackward0", ("self",), ("self",)),
        "tc": ("DotBackward0", ("other",), ("other",)),
        "tt": ("DotBackward0", ("self", "other"), ("self", "other")),
    },
    "erf": {
        "t": ("ErfBackward0", ("self",), ("self",)),
    },
    "exp": {
        "t": ("ExpBackward0", ("result",), ("result",)),
    },
    "expm1": {
        "t": ("Expm1Backward0", ("result",), ("result",)),
    },
    "log": {
        "t": ("LogBackward0", ("self",), ("self",)),
    },
    "log1p": {
        "t": ("Log1PBackward0", ("self",), ("self",)),
    },
    "maximum": {
        "ct": ("MaximumBackward0", ("other", "self"), ("other", "self")),
        "tc": ("MaximumBackward0", ("other", "self"), ("other", "self")),
        "tt": ("MaximumBackward0", ("other", "self"), ("other", "self")),
    },
    "mean": {
        "t": ("MeanBackward0", (), ()),
    },
    "minimum": {
        "ct": ("MinimumBackward0", ("other", "self"), ("other", "self")),
        "tc": ("MinimumBackward0", ("other", "self"), ("other", "self")),
        "tt": ("MinimumBackward0", ("other", "self"), ("other", "self")),
    },
    "mm": {
        "ct": ("MmBackward0", ("self",), ("self",)),
        "tc": ("MmBackward0", ("other",), ("other",)),
        "tt": ("MmBackward0", ("other", "self"), ("other", "self")),
    },
    "mul": {
        "ct": ("MulBackward0", ("self",), ("self",)),
        "tc": ("MulBackward0", ("other",), ("other",)),
        "tt": ("MulBackward0", ("other", "self"), ("other", "self")),
    },
    "mv": {
        "ct": ("MvBackward0", ("self",), ("self",)),
        "tc": ("MvBackward0", ("other",), ("other",)),
        "tt": ("MvBackward0", ("self", "other"), ("self", "other")),
    },
    "neg": {
        "t": ("NegBackward0", (), ()),
    },
    "outer": {
        "ct": ("MulBackward0", ("self",), ("self",)),
        "tc": ("MulBackward0", ("other",), ("other",)),
        "tt": ("MulBackward0", ("other", "self"), ("other", "self")),
    },
    "reciprocal": {
        "t": ("ReciprocalBackward0", ("result",), ("result",)),
    },
    "relu": {
        "t": ("ReluBackward0", ("result",), ("result",)),
    },
    "rsqrt": {
        "t": ("RsqrtBackward0", ("result",), ("result",)),
    },
    "sigmoid": {
        "t": ("SigmoidBackward0", ("result",), ("result",)),
    },
    "sin": {
        "t": ("SinBackward0", ("self",), ("self",)),
    },
    "sinh": {
        "t": ("SinhBackward0", ("self",), ("self",)),
    },
    "sqrt": {
        "t": ("SqrtBackward0", ("result",), ("result",)),
    },
    "sub": {
        "ct": ("SubBackward0", (), ()),
        "tc": ("SubBackward0", (), ()),
        "tt": ("SubBackward0", (), ()),
    },
    "sum": {
        "t": ("SumBackward0", (), ()),
    },
    "tan": {
        "t": ("TanBackward0", ("result",), ("result",)),
    },
    "tanh": {
        "t": ("TanhBackward0", ("result",), ("result",)),
    },
}
