import torch
x = torch.ones(2, 3, requires_grad=True)
print(torch.sum(x, (0, -1), True))
y = torch.sum(x, dim=(0, 2))
