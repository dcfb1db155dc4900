import torch
t = torch.tensor(3)
print(t, t.dtype)
torch.tensor(3, requires_grad=True)
