import torch
from torch import nn

torch.manual_seed(3)
net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3), nn.LogSoftmax(dim=1))
print(net)
print(net[0].weight)
print(net[-1], len(net))
x = torch.rand(2, 4)
scores = net(x)
print(scores)
scores.sum().backward()
print(net[2].bias.grad)
probs = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Identity(), nn.Linear(2, 3), nn.Softmax(dim=0))
print(probs)
v = probs(torch.tensor([0.5, -1.0]))
print(v)
(v * v).sum().backward()
print(probs[0].weight.grad)
