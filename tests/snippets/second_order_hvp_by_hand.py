import torch

# a Hessian-vector product written out: the gradient with create_graph=True, then the gradient of its dot with v
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
v = torch.tensor([1.0, 2.0, -1.0])
y = (x.exp() * x.cos()).sum() + (x[0] * x[1] * x[2])
g, = torch.autograd.grad(y, x, create_graph=True)
print(g)
hv, = torch.autograd.grad(g @ v, x)
print(hv)
y = (x.exp() * x.cos()).sum() + (x[0] * x[1] * x[2])
g2, = torch.autograd.grad(y, x, create_graph=True)
hv2, = torch.autograd.grad(g2, x, grad_outputs=v)
print(hv2)
