import torch
x = torch.tensor(3.0, requires_grad=True)
x.retain_grad()
print(x.retains_grad, x.is_leaf)
x.backward()
print(x.grad)
(x * 2).backward()
print(x.grad)
