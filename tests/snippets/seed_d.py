import torch
x = torch.tensor(3.0, requires_grad=True)
z = x * 2
z.backward()
for _ in range(3):
    z.grad
z.grad
z.grad
