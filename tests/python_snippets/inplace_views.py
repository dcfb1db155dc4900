import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    w[0:1].mul_(2)
except RuntimeError as e:
    print(e)
try:
    w.view(2).exp_()
except RuntimeError as e:
    print(e)
with torch.no_grad():
    w.view(2).mul_(2)
    w.t().detach().add_(1)
print(w)
z = torch.zeros(2)
z.view(2).mul_(w)
print(z)
z.sum().backward()
print(w.grad)
