import torch
x = torch.tensor([1.5, 2.5], requires_grad=True)
y = x * 2
y.zero_()
print(y)
try:
    x.zero_()
except RuntimeError as error:
    print(error)
(y + x * x).sum().backward()
print(x.grad)
d = x.detach()
d.zero_()
print(x, d)
e = x.data
e.add_(1)
print(x)
w = (x * x).sum()
x.data.mul_(2)
w.backward()
print(x.grad, x)
v = torch.tensor([1.0, 2.0], requires_grad=True)
u = (v * v).sum()
v.detach().mul_(2)
print(v)
u.backward()
