import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
ln = nn.LayerNorm(4)
print(ln)
print(ln.weight, ln.bias)
x = torch.randn(3, 4, requires_grad=True)
y = ln(x)
print(y)
(y * torch.arange(12.0).reshape(3, 4)).sum().backward()
print(x.grad)
print(ln.weight.grad, ln.bias.grad)
plain = nn.LayerNorm((2, 4), eps=1e-3, elementwise_affine=False)
print(plain, plain.weight, plain.bias)
z = plain(x.detach()[:2].reshape(1, 2, 4))
print(z)
no_bias = nn.LayerNorm([4], bias=False)
print(no_bias, no_bias.bias)
print(no_bias(torch.ones(2, 4) * torch.arange(4.0)))
h = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
w = torch.randn(5, dtype=torch.float64, requires_grad=True)
b = torch.randn(5, dtype=torch.float64, requires_grad=True)
out = F.layer_norm(h, (5,), w, b, 1e-6)
out.pow(3).sum().backward()
print(h.grad[0], w.grad, b.grad)
for bad in ((8,), (3, 4, 5)):
    try:
        F.layer_norm(x, bad)
    except RuntimeError as error:
        print("RuntimeError:", error)
try:
    F.layer_norm(x, (4,), torch.ones(3), torch.ones(3))
except RuntimeError as error:
    print("RuntimeError:", error)
try:
    F.layer_norm(x, 4)
except TypeError as error:
    print("TypeError:", error)
