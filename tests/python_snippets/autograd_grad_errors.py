import torch
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)
z = x * 3
try:
    torch.autograd.grad(z, [x, y])
except RuntimeError as err:
    print(err)
print(torch.autograd.grad(z, [x, y], allow_unused=True, retain_graph=True))
print(torch.is_grad_enabled())
with torch.no_grad():
    print(torch.is_grad_enabled())
print(torch.equal(torch.tensor([1.0]), torch.tensor([1.0])), torch.allclose(torch.tensor(1.0), torch.tensor(1.0 + 1e-7)))
print(torch.isclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1])))
