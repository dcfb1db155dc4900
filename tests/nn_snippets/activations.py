import torch
import torch.nn as nn

layers = [
    nn.GELU(),
    nn.GELU("tanh"),
    nn.SiLU(),
    nn.Softplus(),
    nn.Hardtanh(),
    nn.Hardtanh(-2, 2),
    nn.ReLU6(),
    nn.SELU(),
    nn.CELU(0.5),
    nn.Mish(),
    nn.Softsign(),
    nn.Hardsigmoid(),
    nn.Hardswish(),
    nn.LogSigmoid(),
]
x = torch.tensor([-3.0, -1.5, -0.25, 0.5, 2.0, 4.0], dtype=torch.float64, requires_grad=True)
for layer in layers:
    y = layer(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    print(layer, y, grad)
model = nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2), nn.Hardswish())
print(model)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.SiLU(), nn.Linear(4, 1), nn.LogSigmoid())
loss = model(torch.randn(5, 3)).sum()
loss.backward()
print(loss, model[0].weight.grad)
print(nn.SiLU(inplace=True), nn.Hardtanh(min_val=-0.5, inplace=True), nn.Softplus(beta=1, threshold=20))
