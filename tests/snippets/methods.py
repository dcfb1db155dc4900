import torch
x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
a = x.pow(2).sum()
b = x.exp().mean()
c = x.sin().cos().sum()
d = x.clamp(min=0.75).sqrt().log().sum()
e = x.tanh().sigmoid().abs().relu().sum(0)
total = a + b + c + d + e
total.backward()
print(a, b, c, d, e, sep="\n")
print(total)
print(x.grad)
