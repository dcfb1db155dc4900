import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
emb = nn.Embedding(5, 3)
print(emb)
print(emb.weight)
idx = torch.tensor([[0, 2, 2], [4, 2, 0]])
out = emb(idx)
print(out.shape, out[1])
(out * torch.arange(18.0).reshape(2, 3, 3)).sum().backward()
print(emb.weight.grad)
w = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64, requires_grad=True)
picked = F.embedding(torch.tensor(1), w)
print(picked)
F.embedding(torch.tensor([2, 2, 2, 1]), w).pow(2).sum().backward()
print(w.grad)
for bad in ([3], [-1]):
    try:
        F.embedding(torch.tensor(bad), w)
    except IndexError as error:
        print("IndexError:", error)
try:
    F.embedding(torch.tensor([0.0]), w)
except RuntimeError as error:
    print("RuntimeError:", error)
try:
    F.embedding(torch.tensor([0]), torch.ones(3))
except RuntimeError as error:
    print("RuntimeError:", error)
