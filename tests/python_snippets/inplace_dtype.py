import torch
a = torch.tensor([1, 2])
a += 2
a *= 3
print(a)
b = torch.tensor([1.0, 2.0])
b.add_(1, alpha=2)
b.clamp_(max=3.5)
print(b)
b.fill_(7)
print(b)
b.copy_(torch.tensor([0.5, 0.25]))
print(b, b.data)
a /= 2
