"""Sample-file texts shared by the verify, progress and pytest-plugin tests."""

SQUARE = """\
[[case]]
name = "square"
program = "y = x * x"
inputs = { x = 3 }
expect.grad = { x = 6 }
"""
LAYER = """\
[[case]]
name = "layer"
program = "sum(tanh(W @ v))"
inputs = { W = [[1, 2], [3, 4]], v = [0.5, -0.25] }
"""
STALE = """\
[[case]]
name = "stale pin"
program = "y = x * x"
inputs = { x = 3 }
expect.grad = { x = 7 }
"""
GOOD = SQUARE + "\n" + LAYER  # two cases that agree
