import torch

# every factory takes requires_grad= (and dtype=): the answer is a leaf that requires grad
made = [
    torch.tensor([1.0, 2.0], requires_grad=True),
    torch.zeros(2, requires_grad=True),
    torch.ones(2, dtype=torch.float64, requires_grad=True),
    torch.full((2,), 1.5, requires_grad=True),
    torch.arange(2.0, requires_grad=True),
    torch.arange(0, 4, 2, dtype=torch.float64, requires_grad=True),
    torch.linspace(0, 1, 2, requires_grad=True),
    torch.eye(2, requires_grad=True)[0],
    torch.zeros_like(torch.ones(2), requires_grad=True),
    torch.ones_like(torch.ones(2), dtype=torch.float64, requires_grad=True),
    torch.full_like(torch.ones(2), 3.0, requires_grad=True),
]
for t in made:
    print(t, t.is_leaf, t.requires_grad, t.dtype)
total = 0
for k, t in enumerate(made):
    total = total + (t * (k + 1)).sum()
total.backward()
print(total)
print([t.grad for t in made if t.is_leaf])
e = torch.eye(2, requires_grad=True)
(e * e).sum().backward()
print(e.grad)
for make in [lambda: torch.arange(3, requires_grad=True), lambda: torch.zeros(2, dtype=torch.int64, requires_grad=True)]:
    try:
        make()
    except RuntimeError as error:
        print(error)
