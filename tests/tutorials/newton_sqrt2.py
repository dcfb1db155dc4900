import torch

def f(x):
    return x ** 2 - 2

x = torch.tensor(1.0, requires_grad=True)
for i in range(5):
    y = f(x)
    y.backward()
    with torch.no_grad():
        x -= y / x.grad
    x.grad.zero_()
    print(f"iter {i}: x = {x.item():.6f}")
