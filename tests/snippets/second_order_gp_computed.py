import torch

# grad_outputs a computed tensor that requires grad: the first derivative is linear in it, and its gradient flows
# back to the leaf it was computed from
x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
w = torch.tensor([1.5, 0.25, -0.5], dtype=torch.float64, requires_grad=True)
s = torch.tensor([0.3, 0.7, -0.2], dtype=torch.float64, requires_grad=True)
out = (x * w).sin()
seed = s.exp() * 2
g, = torch.autograd.grad(out, [x], grad_outputs=[seed], create_graph=True)
print(g)
loss = (g * g).sum() + out.sum()
loss.backward()
print(x.grad)
print(w.grad)
print(s.grad)
