import torch

# the gradient penalty (WGAN-GP): the norm of a gradient made with create_graph=True, differentiated again
x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
w = torch.tensor([1.5, 0.25, -0.5], dtype=torch.float64, requires_grad=True)
out = (x * w).tanh()
g, = torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out), create_graph=True)
print(g)
penalty = ((g.norm() - 1) ** 2)
penalty.backward()
print(penalty)
print(w.grad)
print(x.grad)
