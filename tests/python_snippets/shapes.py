# Shape and linear-algebra ops as PyTorch code spells them: views with sizes as varargs, tuples and x.shape, x.T and
# x.mT, lists of tensors, and the tuples split, chunk and unbind give, joined again.
import torch
import torch.nn.functional as F

x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
w = torch.tensor([[0.5, -1.0, 0.25], [1.5, 0.5, -0.5]], requires_grad=True)
b = torch.tensor([0.1, -0.2], requires_grad=True)
v = x.view(-1)
print(v, v.grad_fn.name())
print(x.view(3, 2).shape, x.view((1, 6)).shape, x.reshape(x.shape[1], x.shape[0]).shape)
print(x.T.grad_fn.name(), x.mT.grad_fn.name(), x.t().grad_fn.name(), x.transpose(0, 1).grad_fn.name())
y = x.T @ w
print(y)
pieces = x.split([1, 2], dim=1)
print(len(pieces), [p.shape for p in pieces], pieces[1].grad_fn.name())
joined = torch.cat(x.split([1, 2], dim=1), dim=1)
stacked = torch.stack(x.unbind(0), 1)
h = F.linear(x, w, b)
print(h, h.grad_fn.name())
loss = (joined * x).sum() + (stacked * x.T).sum() + y.sum() + h.pow(2).sum() + torch.cat([x, w]).flip(0).sum()
loss.backward()
print(loss)
print(x.grad)
print(w.grad, b.grad)
