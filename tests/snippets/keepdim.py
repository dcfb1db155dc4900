# keepdim=True / False, as keyword and as positional argument, on functions and methods
import torch

W = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
rows = torch.sum(W, dim=1, keepdim=True)
print(rows)
cols = W.mean(0, True)
print(cols)
flat = torch.mean(W, dim=1, keepdim=False)
print(flat)
loss = torch.sum(W * rows / 3) + (W - cols).sum() + flat.sum(0, keepdim=True).sum()
print(loss)
loss.backward()
print(W.grad)
