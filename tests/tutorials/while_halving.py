import torch

x = torch.tensor(3.0, requires_grad=True)
y = x * 2
steps = 0
while y.item() < 1000:
    y = y * 2
    steps += 1
y.backward()
print(steps, y, x.grad)
for i, (name, t) in enumerate(zip(["x", "y"], [x, y])):
    print(i, name, t.requires_grad, t.is_leaf)
