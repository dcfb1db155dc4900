# torch's add/sub/mul/div take a Python number first (PyTorch wraps it in a tensor): SubBackward0, DivBackward0 ...,
# while the operators keep theirs (`2 - x` is RsubBackward1, `2 / x` reciprocal then mul); numbers alone make a tensor
import torch

x = torch.tensor(3.0, requires_grad=True)
a = torch.add(2, x)
s = torch.sub(2, x)
m = torch.mul(2.5, x)
d = torch.div(2, x)
print(a, s, m, d)
print(a.grad_fn.name(), s.grad_fn.name(), m.grad_fn.name(), d.grad_fn.name(), (2 - x).grad_fn.name(), (2 / x).grad_fn.name())
(a + s + m + d).backward()
print(x.grad)
v = torch.tensor([0.5, -1.5, 4.0], dtype=torch.float64, requires_grad=True)
print(torch.subtract(2, v), torch.true_divide(1, v), torch.multiply(True, v), torch.add(2, v))
y = torch.sub(1, v) * torch.div(3, v)
y.sum().backward()
print(v.grad)
print(torch.sub(2, torch.tensor([1, 5])), torch.div(2, torch.tensor([1, 0])), torch.add(2.5, torch.tensor([1, 2])))
print(torch.add(2, 3), torch.sub(2.0, 3), torch.mul(True, False), torch.div(-7, 2), torch.add(True, 2))
print(torch.add(0.1, 0.2).item(), torch.div(2, 3).item(), torch.add(2, 3).dtype, torch.div(True, False))
