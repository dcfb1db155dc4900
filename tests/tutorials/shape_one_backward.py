import torch

w = torch.tensor([0.5], requires_grad=True)
b = torch.tensor([0.1], requires_grad=True)
x = torch.tensor([2.0])
out = w * x + b
print(out.shape)
out.backward()
print(w.grad, b.grad)
