import torch
x = torch.tensor(3.0, requires_grad=True)
with torch.no_grad():
    y = x * 2
    with torch.enable_grad():
        q = x * 2
    n = torch.tensor(1.0, requires_grad=True)   # creation under no_grad still requires grad
print(y, y.requires_grad, y.grad_fn, y.is_leaf)
print(q, q.requires_grad, q.grad_fn.name())
print(n, n.requires_grad, n.is_leaf)
z = x * y + q
z.backward()
print(x.grad)
