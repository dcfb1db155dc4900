import torch

def himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2

x = torch.tensor(0.0, requires_grad=True)
y = torch.tensor(0.0, requires_grad=True)
lr = 0.01
for step in range(300):
    f = himmelblau(x, y)
    f.backward()
    with torch.no_grad():
        x -= lr * x.grad
        y -= lr * y.grad
    x.grad.zero_()
    y.grad.zero_()
    if step % 100 == 0:
        print(f"step {step}: x = {x.item():.3f}, y = {y.item():.3f}, f = {f.item():.3f}")
print(f"x = {x.item():.2f}, y = {y.item():.2f}")
