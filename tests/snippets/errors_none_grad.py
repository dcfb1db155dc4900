import torch
x = torch.tensor(3.0, requires_grad=True)
print(x.grad)
x.grad.zero_()
