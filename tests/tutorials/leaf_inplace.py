import torch

a = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    a += 1
except RuntimeError as err:
    print(err)

with torch.no_grad():
    a += 1
print(a)

b = (a * a).sum()
b.backward()
print(a.grad)
