import torch
D = torch.float64
x = torch.tensor(2.0, dtype=D, requires_grad=True)
v = torch.tensor([1.0, 2.0, 3.0], dtype=D, requires_grad=True)
z = (x * v).sum()
z.backward()
print(z); print(x.grad, x.grad.shape); print(v.grad)
x.grad = None; v.grad = None
m = (x * v).mean(); m.backward()
print(m); print(x.grad); print(v.grad)
x.grad = None; v.grad = None
s = (v ** 2 + x).sum(); s.backward(); print(s, x.grad, v.grad)
v.grad = None
q = torch.sum(v * v) / torch.mean(v); q.backward(); print(q, v.grad)
