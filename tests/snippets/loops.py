import torch
x = torch.tensor(1.0, requires_grad=True)
for i in range(3):
    y = x * (i + 1)
    y.backward()
    print(i, x.grad)
for step in range(2, 8, 3):
    for _ in range(2):
        print("step", step)
total = torch.tensor(0.0)
for k in range(4):
    total = total + x ** k
total.backward()
print(total, x.grad)
