import torch

x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
w = torch.tensor([1.5, 0.25, -0.5], requires_grad=True)
out = (x * w).tanh()
g, = torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out), create_graph=True)
penalty = ((g.norm() - 1) ** 2)
penalty.backward()
print(w.grad)
print(x.grad)
