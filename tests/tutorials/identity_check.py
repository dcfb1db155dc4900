import math
import torch

x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
y = torch.sin(x) ** 2 + torch.cos(x) ** 2
y.backward()
assert abs(x.grad.item()) < 1e-12
print("d/dx (sin^2 + cos^2) is zero:", abs(x.grad.item()) < 1e-12)

z = torch.tensor(math.pi / 4, dtype=torch.float64, requires_grad=True)
w = torch.tan(z)
w.backward()
print(f"{z.grad.item():.5f} vs {1 / math.cos(math.pi / 4) ** 2:.5f}")
