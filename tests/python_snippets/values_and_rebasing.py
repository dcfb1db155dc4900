import torch
f = torch.sin
x = torch.tensor([1.0, 2.0], requires_grad=True)
print(f(x))
g = print
g("hi", end="!\n")
for row in torch.ones(2, 3):
    print(row)
a, b = torch.tensor([1.0, 2.0])
print(a, b)
print(len(x), x.shape[0], list(x.shape), x.size() == (2,))
print(sum([x, x]))
print(3)
d = {x: 1}
print(len(d))
y = x * 2
y.retain_grad()
y *= 3
print(y.grad_fn.name())
y.sum().backward()
print(x.grad, y.grad)
s = 0
for i in range(5): s += i
print(s)
print(str(x.dtype), x.dtype == torch.float32)
