import torch
x = torch.tensor(3.0, requires_grad=True)
(x * 2).backward()
(x * 3).backward()
print(x.grad)
