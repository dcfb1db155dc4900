import torch
x = torch.tensor(3.0, requires_grad=True)
(x * 4).backward()
print(x.grad.item() / 2)
print(x.grad.item() / 0)
