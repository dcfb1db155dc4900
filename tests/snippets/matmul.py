import torch
v = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, 0.5, 2.0], requires_grad=True)
M = torch.tensor([[1.0, 0.0, 2.0], [0.5, 1.0, -1.0]], requires_grad=True)
d = v @ w
print(d, torch.matmul(v, w).grad_fn.name())
y = (M @ v).sum() + d
y.backward()
print(y)
print(v.grad)
print(w.grad)
print(M.grad)
