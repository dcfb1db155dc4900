import torch
x = torch.ones(2, 3, requires_grad=True)
print(x.sum((0, 1)), x.sum(dim=(1, -2)))
y = x.mean(dim=[1, -1])
