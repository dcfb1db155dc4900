# dim=None is sum's and mean's dim overload (SumBackward1, MeanBackward1): keepdim keeps every dim, as size 1
import torch

W = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
total = torch.sum(W, dim=None)
print(total, total.grad_fn.name())
kept = torch.sum(W, None, True)
print(kept, kept.shape)
avg = W.mean(dim=None, keepdim=True)
print(avg, avg.grad_fn.name())
loss = (W * kept).sum() + (W - avg).sum(None) + torch.mean(W, None, False)
loss.backward()
print(W.grad)
# a sum of bools or integers counts in int64
b = torch.tensor([[True, False], [True, True]])
print(b.sum(), b.sum(0), torch.sum(b, 1, True), b.sum(dim=None, keepdim=True), b.sum().dtype)
print(torch.tensor([1, 2, 3]).sum(None, True))
