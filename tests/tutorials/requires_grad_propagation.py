import torch

x = torch.ones(5)  # requires_grad=False by default
y = torch.ones(5)  # requires_grad=False by default
z = torch.ones(5, requires_grad=True)
a = x + y
print(a.requires_grad)
b = a + z
print(b.requires_grad)
b.sum().backward()
print(z.grad)
