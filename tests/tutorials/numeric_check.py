import torch

def f(x):
    return torch.exp(x) * torch.sin(x)

x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
y = f(x)
y.backward()

eps = 1e-6
with torch.no_grad():
    numeric = (f(x + eps) - f(x - eps)) / (2 * eps)

print(f"autograd: {x.grad.item():.6f}")
print(f"numeric:  {numeric.item():.6f}")
print(torch.isclose(x.grad, numeric))
