import torch
import torch.nn.functional as F

rows = [[0.5, 1.5, -0.5], [-0.25, 0.75, 1.25], [1.0, -1.0, 0.25], [0.0, 0.5, -1.0]]
W = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
x = torch.tensor([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 1.0]], dtype=torch.float64)
target = torch.tensor([2, 0])
logits = x @ W + b
loss = F.cross_entropy(logits, target)
print(loss, loss.grad_fn.name(), target.dtype, target.requires_grad)
loss.backward()
print(W.grad)
print(b.grad)
p = torch.tensor([0.2, 0.7, 0.9], requires_grad=True)
q = torch.tensor([0.0, 1.0, 1.0])
for reduction in ("mean", "sum", "none"):
    print(reduction, F.binary_cross_entropy(p, q, reduction=reduction))
    print(F.mse_loss(p, q, reduction=reduction), F.l1_loss(p, q, reduction=reduction).grad_fn.name())
print(F.smooth_l1_loss(p, q, beta=0.5), F.huber_loss(p, q, delta=0.5), F.binary_cross_entropy_with_logits(p, q))
print(F.nll_loss(F.log_softmax(logits, dim=1), target, reduction="sum"))
print(F.cross_entropy(logits, target, label_smoothing=0.1, reduction="none"))
z = torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]], requires_grad=True)
picked = torch.gather(z, 1, torch.tensor([[2, 0], [1, 1]]))
print(picked, z.index_select(0, torch.tensor([1])), z.masked_fill(z < 0, 0.0))
picked.sum().backward()
print(z.grad)
try:
    F.mse_loss(p, q, reduction="avg")
except ValueError as err:
    print("ValueError:", err)
try:
    F.cross_entropy(logits, torch.tensor([3, 0]))
except IndexError as err:
    print("IndexError:", err)
F.cross_entropy(logits, torch.tensor([2.0, 0.0]))
