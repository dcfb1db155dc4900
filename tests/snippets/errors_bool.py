import torch
b = torch.tensor([True, False])
i = torch.tensor([2, 0])
print(torch.sigmoid(b), b.sigmoid().dtype)
print(torch.reciprocal(i), 1 / b, 2.5 / i)
x = torch.tensor([1.5, -2.0], requires_grad=True)
y = 2 / x
print(y, y.grad_fn.name())
y.sum().backward()
print(x.grad)
z = x - True
