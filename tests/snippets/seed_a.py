import torch
x = torch.tensor(3.0, requires_grad=True)
y = torch.pow(x, 2)
print(x.requires_grad, y.requires_grad)
print(x)
print(y)
y.backward()
print(x.grad)
