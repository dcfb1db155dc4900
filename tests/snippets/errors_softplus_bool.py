import torch
import torch.nn.functional as F

print(torch.tensor([True, False]).sum().dtype)
F.softplus(torch.tensor([True, False]))
