import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = torch.sin(y)
z.backward()
print(x.grad)
print(2 * x * torch.cos(x ** 2))
print(torch.allclose(x.grad, 2 * x * torch.cos(x ** 2)))
