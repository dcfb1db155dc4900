import torch
x = torch.tensor(3.0, requires_grad=True)
print(torch.pow(2, x), torch.pow(2.5, x).grad_fn.name())
y = torch.pow(2, 3)
