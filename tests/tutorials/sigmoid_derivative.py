import torch

x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
s = torch.sigmoid(x)
s.sum().backward()
print(x.grad)
print(s * (1 - s))
print(torch.allclose(x.grad, s * (1 - s)))
