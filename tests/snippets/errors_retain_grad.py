import torch
a = torch.tensor(3.0)
print(a.requires_grad)
a.retain_grad()
