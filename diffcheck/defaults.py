"""Every default the library and the command line share, in one dependency-free module: the CLI's options read them
here (importing nothing heavy at start-up), and the library's own signatures and dataclasses do too."""

# Tolerances. float64 rounding in a dozen-op graph stays near 1e-15 relative; SymPy is exact. rtol 1e-8 leaves
# room for cancellation and PyTorch conventions (softplus is the identity above 20: 2e-9 off), while a backward rule
# that is wrong by one part in a million is still reported. atol catches true zeros met by rounding noise.
RTOL = 1e-8
ATOL = 1e-12
TIMEOUT = 60.0  # wall-clock seconds one case (or one snippet) may run
MAX_POINTS = 10_000  # random points per case: `--points` and a sample's `points` (a case runs them all in turn)
MAX_ELEMENTS = 100_000  # elements of one NAME=VALUE tensor or sample-file input
MAX_SYMPY_NODES = 200_000  # distinct SymPy subexpressions a case may grow to (expression swell)
MAX_SAMPLE_BYTES = 16 * 2**20  # bytes of one sample file (tomllib takes about twice the file's size in memory)
JOBS_PER_CPU = 4  # `verify -j` is capped at this many workers per CPU this process may use (and at the cases)

# Limits on one check-language program; each is the CLI flag `--max-<name>` (underscores as dashes).
MAX_LENGTH = 10_000  # characters of program text
MAX_DEPTH = 200  # nesting depth of one statement's expression tree (a leaf is depth 1)
MAX_NODES = 5_000  # Const/Var/Apply nodes in the whole program
MAX_STATEMENTS = 500
MAX_INT_DIGITS = 100  # digits of one integer literal, counted on the source text
MAX_POWER = 10_000  # largest |exponent| of a power whose base and exponent are both constant

# Budgets of a `diffcheck run` snippet (the flags of the same names)
SNIPPET_MAX_STEPS = 100_000  # statements executed, loops and calls included (`--max-steps`)
SNIPPET_MAX_CALL_DEPTH = 100  # nested calls of the snippet's own functions (`--max-depth`)
SNIPPET_TIME_BUDGET = 30.0  # wall-clock seconds the snippet may run (`--time-budget`), verification apart
SNIPPET_MAX_OUTPUT = 10_000_000  # characters the snippet may print (`--max-output`)
SNIPPET_SAMPLE = 3  # calls of one graph shape verified between its first and last (`--sample`), drawn with a seed
SNIPPET_SAMPLE_SEED = 0
# What one verified backward() call of a snippet may hold: named tensors, op applications and leaf elements (the
# exact side differentiates element by element). 5000 leaf elements admit a 2-layer MLP with 64 hidden units on a
# batch of 32. On symengine's route a 5000-step scalar chain (`y = y * 0.99 + x`, `torch.sin(y)`) verifies in under 3 s
# and an 8x8 RNN cell unrolled 300 steps in 3 s (benchmarks/run_graph_size.py), far inside the 60 s timeout; four ops
# per named tensor admit such chains' 2-4 ops a step, and `--timeout` stops what grows faster (SymPy's route).
SNIPPET_MAX_TENSORS = 5000
SNIPPET_MAX_OPERATIONS = 20_000
SNIPPET_MAX_LEAF_ELEMENTS = 5000
