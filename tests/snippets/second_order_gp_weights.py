import torch

# grad_outputs a tensor of other values than ones, which does not require grad
x = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
w = torch.tensor([1.5, -0.5], requires_grad=True)
out = (x * w).sigmoid()
weights = torch.tensor([[2.0, -1.0], [0.5, 3.0]])
g, = torch.autograd.grad(out, x, grad_outputs=weights, create_graph=True)
print(g)
penalty = (g ** 2).sum()
penalty.backward()
print(w.grad)
print(x.grad)
print(weights.grad)
