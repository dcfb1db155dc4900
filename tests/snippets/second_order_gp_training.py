import torch
import torch.nn as nn

# two SGD steps of a loss plus a gradient penalty on the input gradient
torch.manual_seed(0)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
data = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.25, -0.5]])
target = torch.tensor([[1.0], [-1.0]])
for step in range(2):
    opt.zero_grad()
    inp = data.clone().requires_grad_(True)
    out = torch.tanh(model(inp))
    grad, = torch.autograd.grad(out, inp, grad_outputs=torch.ones_like(out), create_graph=True)
    penalty = ((grad.norm(dim=1) - 1) ** 2).mean()
    loss = ((out - target) ** 2).mean() + 10 * penalty
    loss.backward()
    opt.step()
    print(step, loss)
print(model.weight)
print(model.bias)
