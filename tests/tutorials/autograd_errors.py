import torch

try:
    torch.tensor([1, 2, 3], requires_grad=True)
except RuntimeError as e:
    print("RuntimeError:", e)

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

y.backward(torch.ones(2))
print(x.grad)

c = torch.tensor(1.0)
try:
    c.retain_grad()
except RuntimeError as e:
    print("RuntimeError:", e)
