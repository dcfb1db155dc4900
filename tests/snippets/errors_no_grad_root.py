import torch
a = torch.tensor(3.0)
b = a ** 2
b.backward()
