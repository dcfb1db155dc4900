# softplus is torch.nn.functional's only: torch.softplus does not exist
import torch
import torch.nn.functional as F

x = torch.tensor([0.5, 30.0], requires_grad=True)
y = F.softplus(x) + torch.nn.functional.softplus(x)
y.sum().backward()
print(y, x.grad)
z = torch.softplus(x)
