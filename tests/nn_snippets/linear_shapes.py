import torch
from torch import nn

torch.manual_seed(0)
m = nn.Linear(2, 3)
x = torch.randn(4, 5, 2, requires_grad=True)
y = m(x)
print(y.shape, y.grad_fn.name(), y.grad_fn.next_functions[0][0].name())
y.pow(2).sum().backward()
print(x.grad.sum(), m.weight.grad, m.bias.grad)
print(m(torch.ones(2)).grad_fn.name())
z = nn.Flatten()(torch.randn(2, 3, 4, requires_grad=True))
print(z.shape, z.grad_fn.name())
try:
    m(torch.tensor(1.0))
except RuntimeError as e:
    print(e)
torch.manual_seed(1)
bare = nn.Linear(3, 2, bias=False)
print(bare, bare.bias, list(bare.state_dict()), len(list(bare.parameters())))
print(bare(torch.ones(2, 3)).grad_fn.name(), bare(torch.ones(3)).grad_fn.name(), torch.randn(1))
