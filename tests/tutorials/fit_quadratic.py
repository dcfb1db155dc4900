import torch

xs = torch.tensor([0.0, 1.0, 2.0, 3.0])
ys = torch.tensor([1.0, 3.0, 7.0, 13.0])
a = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
c = torch.tensor(0.0, requires_grad=True)
lr = 0.01
history = {}
for step in range(200):
    pred = a * xs ** 2 + b * xs + c
    loss = ((pred - ys) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c):
            p -= lr * p.grad
            p.grad.zero_()
    if step % 50 == 0:
        history[step] = loss.item()
        print(f"step {step:3d} loss {loss.item():.4f}")
print(round(a.item(), 2), round(b.item(), 2), round(c.item(), 2))
print(len(history), min(history.values()) < 1.0)
