import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
emb = nn.Embedding(5, 3)
ln = nn.LayerNorm(3)
head = nn.Linear(3, 2)
idx = torch.tensor([0, 2, 4])
h = ln(emb(idx))
logits = head(h)
loss = F.cross_entropy(logits, torch.tensor([1, 0, 1]))
loss.backward()
print(loss)
print(emb.weight.grad)
