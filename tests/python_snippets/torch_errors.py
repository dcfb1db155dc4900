import torch
try:
    torch.tensor([[1.0, 2.0], [3.0]])
except ValueError as e:
    print(e)
try:
    torch.tensor([2, -3]) ** -1
except RuntimeError as e:
    print(e)
print(torch.tensor([2, -3]) ** torch.tensor([2, -3]))
try:
    torch.tensor([True]) ** torch.tensor([True])
except NotImplementedError as e:
    print(e)
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as e:
    print(e)
try:
    torch.maximum(torch.ones(2), 0.5)
except TypeError as e:
    print(e)
for call in (lambda: torch.mm(torch.ones(2, 2), 2), lambda: torch.ones(2, 2).mm(2.5), lambda: torch.ones(2).dot(1)):
    try:
        call()
    except TypeError as e:
        print(e)
print(torch.tensor([1e-308, 2.0], dtype=torch.float64))
x = torch.tensor([float("nan"), 1.0], requires_grad=True)
y = torch.tensor([1.0, 1.0], requires_grad=True)
torch.maximum(x, y).sum().backward()
print(x.grad, y.grad)
