import torch
x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
y = torch.tensor(4.0, dtype=torch.float64)
z = torch.sin(x * y) / (1 + torch.exp(-x)) + x ** 2
z.backward()
print(z)
print(x.grad)
w = torch.tensor(0.1, requires_grad=True)
(torch.sin(w) * torch.exp(w)).backward()
print(w.grad.item())
