import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w * w).sum().backward()
g = w.grad
w.grad.data.zero_()
print(w.grad, g)
d = w.data
d.mul_(10)
print(w, d)
w.data = torch.tensor([5.0, 6.0])
print(w, w.requires_grad)
(w * 3).sum().backward()
print(w.grad)
