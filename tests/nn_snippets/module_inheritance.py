import torch
import torch.nn as nn


class Block(nn.Module):
    """A layer with a learned scale; `width` is a class attribute."""

    width = 3

    def __init__(self, width=None):
        super().__init__()
        self.fc = nn.Linear(self.width if width is None else width, 2)
        self.scale = nn.Parameter(torch.tensor(0.5))

    def forward(self, x):
        return self.fc(x) * self.scale

    @property
    def size(self):
        return sum(p.nelement() for p in self.parameters())


class Residual(Block):
    def __init__(self):
        super().__init__(2)
        self.gate = nn.Parameter(torch.tensor(2.0))

    def forward(self, x):
        return super().forward(x) * self.gate + x

    def __repr__(self):
        return f"Residual(size={self.size})"


torch.manual_seed(3)
block, res = Block(), Residual()
print(block)
print(res, [res], res.size, block.size, Residual.width)
print([name for name, _ in res.named_parameters()])
print(isinstance(res, Block), isinstance(res, nn.Module), isinstance(block, Residual), type(res) is Residual)
print(res.forward, block.parameters)
x = torch.randn(4, 3)
y = res(block(x))
loss = y.pow(2).mean()
loss.backward()
print(loss)
print(res.gate.grad, block.scale.grad)
print(res.fc.weight.grad)
