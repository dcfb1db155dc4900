import torch
from torch.autograd.functional import jvp, hvp, vhp

def f(x):
    return x.sin() * x

x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
v = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
out, j = jvp(f, x, v)
print(out, j)

def g(x):
    return (x.sin() * x).sum()

o, h = hvp(g, x, v)
print(o, h)
o, h = vhp(g, x, v)
print(o, h)
o, h = hvp(g, x, v, create_graph=True)
print(o, h)
out, j = jvp(f, x, v, create_graph=True)
print(out, j)
