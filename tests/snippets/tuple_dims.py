# sum and mean over several dims: a tuple or a list, positional or keyword, function or method; () is every dim
import torch

W = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
total = torch.sum(W, (0, 1))
print(total, total.grad_fn.name())
avg = W.mean(dim=[0, -1], keepdim=True)
print(avg, avg.shape, avg.grad_fn.name())
every = W.sum(())
kept = torch.mean(W, dim=(), keepdim=True)
print(every, kept, W.sum(dim=[], keepdim=True).shape)
loss = total + (W * avg).sum((1, 0)) + every * kept.sum() + torch.sum(W ** 2, [1], True).sum(dim=(0, 1))
print(loss)
loss.backward()
print(W.grad)

T = torch.tensor([[[0.5, -1.], [2., 1.5], [3., -2.]], [[1., 1.], [-0.5, 2.5], [0., 4.]]], dtype=torch.float64,
                 requires_grad=True)
dims = (0, 2)
s = T.sum(dims)
m = torch.mean(T, (-1, 1), True)
print(s, m)
print(T.mean((0,)), T.sum([2, 0, 1]), T.sum((0, True)))
out = (s * s).sum() + (T / m).mean(dim=(0, 1, 2)) + T.sum(dim=[-3, -1], keepdim=True).mean()
out.backward()
print(T.grad)
b = torch.tensor([[True, False, True], [True, True, False]])
print(b.sum((0, 1)), b.sum([1], keepdim=True), b.sum(()).dtype)
