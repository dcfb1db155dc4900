import torch
x = torch.tensor(3.0, requires_grad=True)
y = x * 2
print(y.item(), x.item(), y.tolist(), int(y))
print(float(y))
print(float(x))
print(float(y.detach()))
y.backward()
