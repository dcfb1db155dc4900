import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 2).sum()
(g,) = torch.autograd.grad(y, x)
print(g)
print(x.grad)

z = torch.tensor(1.0, requires_grad=True)
gx, gz = torch.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
print(gx, gz)

w = x * x
gw = torch.autograd.grad(w, x, grad_outputs=torch.ones(3))
print(gw)
