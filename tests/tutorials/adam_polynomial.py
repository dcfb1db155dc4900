import torch

torch.manual_seed(42)
x = torch.rand(20) * 4 - 2
y = 0.5 * x ** 3 - x + 1

a = torch.randn((), requires_grad=True)
b = torch.randn((), requires_grad=True)
c = torch.randn((), requires_grad=True)
d = torch.randn((), requires_grad=True)
optimizer = torch.optim.Adam([a, b, c, d], lr=0.1)

for step in range(300):
    optimizer.zero_grad()
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = ((y_pred - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(step, f"{loss.item():.4f}")
print(a, b, c, d)
print(optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["betas"])
