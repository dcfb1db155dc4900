# torch.autograd.functional with create_graph=True, then backward through the answers; tuples of inputs (hvp's
# and vhp's inner calls then take gradients of several outputs at once)
import torch
from torch.autograd.functional import jvp, hvp, vhp, hessian, jacobian, vjp

def f(x):
    return x.sin() * x
def g(x):
    return (x.sin() * x).sum()
def g2(x, y):
    return (x.pow(2) * y.exp()).sum()

x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = torch.tensor([0.3, -0.4, 0.1], dtype=torch.float64, requires_grad=True)
v = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
_, h = vhp(g, x, v, create_graph=True)
h.sum().backward()
print(x.grad)
x.grad = None
H = hessian(g, x, create_graph=True)
H.sum().backward()
print(x.grad)
x.grad = None
J = jacobian(f, x, create_graph=True)
J.sum().backward()
print(x.grad)
x.grad = None
_, h = hvp(g2, (x, y), (v, v))
print(h)
_, h = vhp(g2, (x, y), (v, v), create_graph=True)
(h[0].sum() + h[1].sum()).backward()
print(x.grad, y.grad)
x.grad = y.grad = None
_, j = jvp(f, x, v, create_graph=True)
j.sum().backward()
print(x.grad)
x.grad = None
_, j = vjp(f, x, v, create_graph=True)
j.sum().backward()
print(x.grad)
H = hessian(g2, (x, y))
print(H)
