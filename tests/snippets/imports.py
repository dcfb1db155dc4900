"""Three ways to import: the module under another name, single functions, and torch.nn.functional."""
import torch as t
import torch.nn.functional as F
from torch import tensor, pow, float64
from torch.nn.functional import relu

x = tensor(1.5, dtype=float64, requires_grad=True)
y = pow(x, 3) + F.sigmoid(x) + relu(x) + t.tanh(x) + F.softplus(x)
y.backward()
print(y)
print(x.grad)
print(y.grad_fn.name())
