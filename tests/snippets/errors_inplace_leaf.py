import torch
x = torch.tensor(3.0, requires_grad=True)
(x * x).backward()
print(x.grad)
x.grad.zero_()
print(x.grad)
x.zero_()
