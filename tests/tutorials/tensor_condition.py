import torch

x = torch.tensor([1.0, -2.0], requires_grad=True)
try:
    if x > 0:
        print("positive")
except RuntimeError as e:
    print(e)

y = (x * x).sum()
if y > 1:
    y.backward()
print(x.grad)
print(x.grad is None, isinstance(x.grad, torch.Tensor))
