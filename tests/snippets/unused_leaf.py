import torch
x = torch.tensor(3.0, requires_grad=True)
u = torch.tensor(1.0, requires_grad=True)
y = x ** 2
y.backward()
print(x.grad, u.grad)
t = torch.tensor(-1.0, requires_grad=True); torch.relu(t).backward(); print(t.grad)
s = torch.tensor(2.0, requires_grad=True); (s * 0).backward(); print(s.grad)
a = torch.tensor(3.0)
b = a * 2              # leaf (a no grad), so no warning either
print(b.is_leaf, b.grad)
