import torch
x = torch.tensor(3.0, requires_grad=True)
d = x.detach()
print(d, d.requires_grad, d.is_leaf, d.grad_fn)
z = x * d          # d treated as a constant
z.backward()
print(x.grad)      # = d = 3, not 2*x = 6
print(x.data, x.data.requires_grad, (x * 2).detach().is_leaf)
