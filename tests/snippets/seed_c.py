import torch
x = torch.tensor(3.0, requires_grad=True)
y = torch.tensor(4.0, requires_grad=False)
z = torch.pow(x, 2) + torch.pow(y, 2)
z.retain_grad()
print(z.retains_grad, x.retains_grad)
z.backward()
print(x.grad, y.grad, z.grad)
print(z)
