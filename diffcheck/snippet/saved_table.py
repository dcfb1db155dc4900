"""What PyTorch 2.13's nodes save, for saved_tensors_hooks: op row -> which input slots require grad ("t"; "c" a
constant or a number; "+weight" when a loss's weight tensors are given) -> (grad_fn, roles packed in order, roles
unpacked in order), a role naming an input slot ("self", "other", "input2", "input3"; "tensors<k>" in a list), an
answer ("result", "result<k>") or a tensor parameter ("param:weight"). Made from
tests/saved_hooks.json (recorded by tests/saved_hooks_cases.py, whose `table` turns it into these terms:
`python tests/saved_hooks_cases.py --table`); tests/test_run_saved_hooks.py checks that they agree. A case left out
(PyTorch saves an intermediate, or the call is a composition) is refused."""

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
    "addmm": {
        "cct": ("AddmmBackward0", ("other",), ("other",)),
        "ctc": ("AddmmBackward0", ("input2",), ("input2",)),
        "ctt": ("AddmmBackward0", ("other", "input2"), ("other", "input2")),
        "tcc": ("AddmmBackward0", (), ()),
        "tct": ("AddmmBackward0", ("other",), ("other",)),
        "ttc": ("AddmmBackward0", ("input2",), ("input2",)),
        "ttt": ("AddmmBackward0", ("other", "input2"), ("other", "input2")),
    },
    "amax": {
        "t": ("AmaxBackward0", ("self", "result"), ("self", "result")),
    },
    "amin": {
        "t": ("AminBackward0", ("self", "result"), ("self", "result")),
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
    "binary_cross_entropy": {
        "ct": ("BinaryCrossEntropyBackward0", ("self", "other"), ("self", "other")),
        "ct+weight": (
            "BinaryCrossEntropyBackward0",
            ("self", "other", "param:weight"),
            ("self", "other", "param:weight"),
        ),
        "tc": ("BinaryCrossEntropyBackward0", ("self", "other"), ("self", "other")),
        "tc+weight": (
            "BinaryCrossEntropyBackward0",
            ("self", "other", "param:weight"),
            ("self", "other", "param:weight"),
        ),
        "tt": ("BinaryCrossEntropyBackward0", ("self", "other"), ("self", "other")),
        "tt+weight": (
            "BinaryCrossEntropyBackward0",
            ("self", "other", "param:weight"),
            ("self", "other", "param:weight"),
        ),
    },
    "binary_cross_entropy_with_logits": {
        "ct": ("BinaryCrossEntropyWithLogitsBackward0", ("self", "other"), ("self", "other")),
        "ct+pos_weight,weight": (
            "BinaryCrossEntropyWithLogitsBackward0",
            ("param:pos_weight", "self", "other", "param:weight"),
            ("param:pos_weight", "self", "other", "param:weight"),
        ),
        "tc": ("BinaryCrossEntropyWithLogitsBackward0", ("self", "other"), ("self", "other")),
        "tc+pos_weight,weight": (
            "BinaryCrossEntropyWithLogitsBackward0",
            ("param:pos_weight", "self", "other", "param:weight"),
            ("param:pos_weight", "self", "other", "param:weight"),
        ),
        "tt": ("BinaryCrossEntropyWithLogitsBackward0", ("self", "other"), ("self", "other")),
        "tt+pos_weight,weight": (
            "BinaryCrossEntropyWithLogitsBackward0",
            ("param:pos_weight", "self", "other", "param:weight"),
            ("param:pos_weight", "self", "other", "param:weight"),
        ),
    },
    "bmm": {
        "ct": ("BmmBackward0", ("self",), ("self",)),
        "tc": ("BmmBackward0", ("other",), ("other",)),
        "tt": ("BmmBackward0", ("other", "self"), ("other", "self")),
    },
    "cat": {
        "ct": ("CatBackward0", (), ()),
        "tc": ("CatBackward0", (), ()),
        "tt": ("CatBackward0", (), ()),
    },
    "ceil": {
        "t": ("CeilBackward0", (), ()),
    },
    "celu": {
        "t": ("CeluBackward0", ("self",), ("self",)),
    },
    "chunk": {
        "t": ("SplitBackward0", (), ()),
    },
    "clamp": {
        "t": ("ClampBackward1", ("self",), ("self",)),
    },
    "clamp_tensor": {
        "cct": ("ClampBackward0", ("input2", "other", "self"), ("input2", "other", "self")),
        "ctc": ("ClampBackward0", ("input2", "other", "self"), ("input2", "other", "self")),
        "ctt": ("ClampBackward0", ("input2", "other", "self"), ("input2", "other", "self")),
        "tcc": ("ClampBackward0", ("input2", "other", "self"), ("input2", "other", "self")),
        "tct": ("ClampBackward0", ("input2", "other", "self"), ("input2", "other", "self")),
        "ttc": ("ClampBackward0", ("input2", "other", "self"), ("input2", "other", "self")),
        "ttt": ("ClampBackward0", ("input2", "other", "self"), ("input2", "other", "self")),
    },
    "cos": {
        "t": ("CosBackward0", ("self",), ("self",)),
    },
    "cosh": {
        "t": ("CoshBackward0", ("self",), ("self",)),
    },
    "cumprod": {
        "t": ("CumprodBackward0", ("self", "result"), ("self", "result")),
    },
    "cumsum": {
        "t": ("CumsumBackward0", (), ()),
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
    "elu": {
        "t": ("EluBackward0", ("self",), ("self",)),
    },
    "elu_scaled": {
        "t": ("EluBackward0", ("self",), ("self",)),
    },
    "erf": {
        "t": ("ErfBackward0", ("self",), ("self",)),
    },
    "erfc": {
        "t": ("ErfcBackward0", ("self",), ("self",)),
    },
    "exp": {
        "t": ("ExpBackward0", ("result",), ("result",)),
    },
    "exp2": {
        "t": ("Exp2Backward0", ("result",), ("result",)),
    },
    "expand": {
        "t": ("ExpandBackward0", (), ()),
    },
    "expm1": {
        "t": ("Expm1Backward0", ("result",), ("result",)),
    },
    "flip": {
        "t": ("FlipBackward0", (), ()),
    },
    "floor": {
        "t": ("FloorBackward0", (), ()),
    },
    "fmod": {
        "tc": ("FmodBackward0", (), ()),
    },
    "fmod_tensor": {
        "ct": ("FmodBackward1", ("other", "self"), ("other", "self")),
        "tc": ("FmodBackward1", (), ()),
        "tt": ("FmodBackward1", ("other", "self"), ("other", "self")),
    },
    "frac": {
        "t": ("FracBackward0", (), ()),
    },
    "gather": {
        "tcc": ("GatherBackward0", ("input2", "self"), ("input2", "self")),
    },
    "gelu": {
        "t": ("GeluBackward0", ("self",), ("self",)),
    },
    "hardsigmoid": {
        "t": ("HardsigmoidBackward0", ("self",), ("self",)),
    },
    "hardswish": {
        "t": ("HardswishBackward0", ("self",), ("self",)),
    },
    "hardtanh": {
        "t": ("HardtanhBackward0", ("self",), ("self",)),
    },
    "huber_loss": {
        "ct": ("HuberLossBackward0", ("self", "other"), ("self", "other")),
        "tc": ("HuberLossBackward0", ("self", "other"), ("self", "other")),
        "tt": ("HuberLossBackward0", ("self", "other"), ("self", "other")),
    },
    "index_add": {
        "ccct": ("IndexAddBackward0", ("input2", "input3"), ("input2", "input3")),
        "tccc": ("IndexAddBackward0", (), ()),
        "tcct": ("IndexAddBackward0", ("input2", "input3"), ("input2", "input3")),
    },
    "index_select": {
        "tcc": ("IndexSelectBackward0", ("input2",), ("input2",)),
    },
    "leaky_relu": {
        "t": ("LeakyReluBackward0", ("self",), ("self",)),
    },
    "log": {
        "t": ("LogBackward0", ("self",), ("self",)),
    },
    "log10": {
        "t": ("Log10Backward0", ("self",), ("self",)),
    },
    "log1p": {
        "t": ("Log1PBackward0", ("self",), ("self",)),
    },
    "log2": {
        "t": ("Log2Backward0", ("self",), ("self",)),
    },
    "log_softmax": {
        "t": ("LogSoftmaxBackward0", ("result",), ("result",)),
    },
    "logsumexp": {
        "t": ("LogsumexpBackward0", ("self", "result"), ("self", "result")),
    },
    "masked_fill": {
        "tc": ("MaskedFillBackward0", ("other",), ("other",)),
    },
    "max": {
        "t": ("MaxBackward1", ("self", "result"), ("self", "result")),
    },
    "max_dim": {
        "t": ("MaxBackward0", ("result1",), ("result1",)),
    },
    "maximum": {
        "ct": ("MaximumBackward0", ("other", "self"), ("other", "self")),
        "tc": ("MaximumBackward0", ("other", "self"), ("other", "self")),
        "tt": ("MaximumBackward0", ("other", "self"), ("other", "self")),
    },
    "mean": {
        "t": ("MeanBackward0", (), ()),
    },
    "mean_dim": {
        "t": ("MeanBackward1", (), ()),
    },
    "min": {
        "t": ("MinBackward1", ("self", "result"), ("self", "result")),
    },
    "min_dim": {
        "t": ("MinBackward0", ("result1",), ("result1",)),
    },
    "minimum": {
        "ct": ("MinimumBackward0", ("other", "self"), ("other", "self")),
        "tc": ("MinimumBackward0", ("other", "self"), ("other", "self")),
        "tt": ("MinimumBackward0", ("other", "self"), ("other", "self")),
    },
    "mish": {
        "t": ("MishBackward0", ("self",), ("self",)),
    },
    "mm": {
        "ct": ("MmBackward0", ("self",), ("self",)),
        "tc": ("MmBackward0", ("other",), ("other",)),
        "tt": ("MmBackward0", ("other", "self"), ("other", "self")),
    },
    "mse_loss": {
        "ct": ("MseLossBackward0", ("self", "other"), ("self", "other")),
        "tc": ("MseLossBackward0", ("self", "other"), ("self", "other")),
        "tt": ("MseLossBackward0", ("self", "other"), ("self", "other")),
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
    "norm": {
        "t": ("LinalgVectorNormBackward0", ("self", "result"), ("self", "result")),
    },
    "permute": {
        "t": ("PermuteBackward0", (), ()),
    },
    "pow": {
        "tc": ("PowBackward0", ("self",), ("self",)),
    },
    "pow_tensor": {
        "ct": ("PowBackward1", ("other", "self", "result"), ("other", "self", "result")),
        "tc": ("PowBackward1", ("other", "self", "result"), ("other", "self", "result")),
        "tt": ("PowBackward1", ("other", "self", "result"), ("other", "self", "result")),
    },
    "prod": {
        "t": ("ProdBackward0", ("self", "result"), ("self", "result")),
    },
    "prod_dim": {
        "t": ("ProdBackward1", ("self", "result"), ("self", "result")),
    },
    "reciprocal": {
        "t": ("ReciprocalBackward0", ("result",), ("result",)),
    },
    "relu": {
        "t": ("ReluBackward0", ("result",), ("result",)),
    },
    "remainder": {
        "tc": ("RemainderBackward0", (), ()),
    },
    "remainder_tensor": {
        "ct": ("RemainderBackward1", ("other", "self"), ("other", "self")),
        "tc": ("RemainderBackward1", (), ()),
        "tt": ("RemainderBackward1", ("other", "self"), ("other", "self")),
    },
    "repeat": {
        "t": ("RepeatBackward0", (), ()),
    },
    "round": {
        "t": ("RoundBackward0", (), ()),
    },
    "rpow": {
        "tc": ("PowBackward2", ("self", "result"), ("self", "result")),
    },
    "rsqrt": {
        "t": ("RsqrtBackward0", ("result",), ("result",)),
    },
    "rsub": {
        "tc": ("RsubBackward1", (), ()),
    },
    "sigmoid": {
        "t": ("SigmoidBackward0", ("result",), ("result",)),
    },
    "sign": {
        "t": ("SignBackward0", (), ()),
    },
    "silu": {
        "t": ("SiluBackward0", ("self",), ("self",)),
    },
    "sin": {
        "t": ("SinBackward0", ("self",), ("self",)),
    },
    "sinh": {
        "t": ("SinhBackward0", ("self",), ("self",)),
    },
    "smooth_l1_kernel": {
        "ct": ("SmoothL1LossBackward0", ("self", "other"), ("self", "other")),
        "tc": ("SmoothL1LossBackward0", ("self", "other"), ("self", "other")),
        "tt": ("SmoothL1LossBackward0", ("self", "other"), ("self", "other")),
    },
    "softmax": {
        "t": ("SoftmaxBackward0", ("result",), ("result",)),
    },
    "softplus": {
        "t": ("SoftplusBackward0", ("self",), ("self",)),
    },
    "sort": {
        "t": ("SortBackward0", ("result1",), ("result1",)),
    },
    "sort_stable": {
        "t": ("SortBackward1", ("result1",), ("result1",)),
    },
    "split": {
        "t": ("SplitBackward0", (), ()),
    },
    "split_list": {
        "t": ("SplitWithSizesBackward0", (), ()),
    },
    "sqrt": {
        "t": ("SqrtBackward0", ("result",), ("result",)),
    },
    "squeeze": {
        "t": ("SqueezeBackward0", (), ()),
    },
    "squeeze_dim": {
        "t": ("SqueezeBackward1", (), ()),
    },
    "squeeze_dims": {
        "t": ("SqueezeBackward2", (), ()),
    },
    "stack": {
        "ct": ("StackBackward0", (), ()),
        "tc": ("StackBackward0", (), ()),
        "tt": ("StackBackward0", (), ()),
    },
    "std": {
        "t": ("StdBackward0", ("self", "result"), ("self", "result")),
    },
    "sub": {
        "ct": ("SubBackward0", (), ()),
        "tc": ("SubBackward0", (), ()),
        "tt": ("SubBackward0", (), ()),
    },
    "sum": {
        "t": ("SumBackward0", (), ()),
    },
    "sum_dim": {
        "t": ("SumBackward1", (), ()),
    },
    "t": {
        "t": ("TBackward0", (), ()),
    },
    "tan": {
        "t": ("TanBackward0", ("result",), ("result",)),
    },
    "tanh": {
        "t": ("TanhBackward0", ("result",), ("result",)),
    },
    "transpose": {
        "t": ("TransposeBackward0", (), ()),
    },
    "trunc": {
        "t": ("TruncBackward0", (), ()),
    },
    "unbind": {
        "t": ("UnbindBackward0", (), ()),
    },
    "unsqueeze": {
        "t": ("UnsqueezeBackward0", (), ()),
    },
    "var": {
        "t": ("VarBackward0", ("self",), ("self",)),
    },
    "vector_norm": {
        "t": ("LinalgVectorNormBackward0", ("self", "result"), ("self", "result")),
    },
    "view": {
        "t": ("ViewBackward0", (), ()),
    },
    "where": {
        "cct": ("WhereBackward0", ("self",), ("self",)),
        "ctc": ("WhereBackward0", ("self",), ("self",)),
        "ctt": ("WhereBackward0", ("self",), ("self",)),
    },
}
