# a gradient penalty on a classifier's weights: the row takes the class targets (int64) as they are
import torch
import torch.nn.functional as F
x = torch.tensor([[0.5, -1.0], [2.0, 0.25], [0.1, 0.2]], dtype=torch.float64)
W = torch.tensor([[0.3, -0.2, 0.5], [0.1, 0.4, -0.3]], dtype=torch.float64, requires_grad=True)
target = torch.tensor([2, 0, 1])
loss = F.cross_entropy(x @ W, target)
g, = torch.autograd.grad(loss, W, create_graph=True)
(g ** 2).sum().backward()
print(W.grad)
