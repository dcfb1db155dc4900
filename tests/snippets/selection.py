import torch
D = torch.float64
x = torch.tensor(1.0, dtype=D, requires_grad=True)
y = torch.tensor(1.0, dtype=D, requires_grad=True)
m = torch.maximum(x, y) + torch.minimum(x, y) * 2
m.backward()
print(m, x.grad, y.grad)
v = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
w = torch.where(v > 0, v, 0.1 * v).sum()
w.backward()
print(w, v.grad)
print(v > 0, v.grad >= 1, 0 < v)
