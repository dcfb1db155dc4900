import torch

a = torch.ones(10, requires_grad=True)
print(a.is_leaf)
b = torch.ones(10, requires_grad=True) * 2
print(b.is_leaf)
# b was created by the operation that multiplied a leaf by 2
c = torch.ones(10, requires_grad=True) + 2
print(c.is_leaf)
d = torch.ones(10)
print(d.is_leaf)
e = torch.ones(10).requires_grad_()
print(e.is_leaf)
f = (torch.ones(10) * 2).requires_grad_()
print(f.is_leaf)
