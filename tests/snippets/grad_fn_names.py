import torch
x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
y = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
c = torch.tensor(2.0, dtype=torch.float64)
print((x + y).grad_fn.name(), (x + 2).grad_fn.name(), (2 + x).grad_fn.name())
print((x - 2).grad_fn.name(), (2 - x).grad_fn.name(), (x * 2).grad_fn.name(), (2 * x).grad_fn.name())
print((x / y).grad_fn.name(), (2 / x).grad_fn.name(), (1 / x).grad_fn.name(), (-x).grad_fn.name())
print((x ** 2).grad_fn.name(), (x ** y).grad_fn.name(), (x ** c).grad_fn.name(), (c ** x).grad_fn.name())
print((2 ** x).grad_fn.name(), torch.pow(2, x).grad_fn.name(), torch.square(x).grad_fn.name(), (x * x).grad_fn.name())
print(abs(x).grad_fn.name(), torch.clamp(x, 0, 1).grad_fn.name(), torch.maximum(x, y).grad_fn.name())
z = (2 - x) * (2 / x) + 2 ** x + x ** y + c ** x
z.backward()
print(z)
print(x.grad, y.grad, c.grad)
