import torch
x = torch.ones(2, 3, requires_grad=True)
print(x.sum(0, True), x.mean(dim=1, keepdim=False))
y = torch.sum(x, 0, 1)
