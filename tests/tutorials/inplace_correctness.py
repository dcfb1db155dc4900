import torch

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.sigmoid()
c = b.sum()
b.mul_(2)
print(b)
try:
    c.backward()
except RuntimeError as e:
    print(e)

d = a * 2
d.add_(1)
print(d)
d.sum().backward()
print(a.grad)
