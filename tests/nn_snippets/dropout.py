import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 1))
print(model)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
x = torch.randn(5, 4)
y = torch.randn(5, 1)
for step in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 4))
model.eval()
print(model.training, model(x).squeeze())
h = torch.linspace(-1.0, 1.0, 10, requires_grad=True)
kept = F.dropout(h, 0.3)
print(kept)
kept.sum().backward()
print(h.grad)
print(F.dropout(h, 0.3, training=False) is h, F.dropout(h, 0.0) is h, F.dropout(h, 1.0))
big = F.dropout(torch.ones(70000), 0.25)
print(int((big == 0).sum()), big.max(), big[799:803])
wide = F.dropout(torch.ones(801, dtype=torch.float64), p=0.9)
print(int((wide != 0).sum()), wide.max())
print(nn.Dropout(), nn.Dropout(p=0.2))
print(torch.rand(2))
try:
    nn.Dropout(1.5)
except ValueError as error:
    print("ValueError:", error)
try:
    F.dropout(torch.tensor([1, 2]), 0.5)
except RuntimeError as error:
    print("RuntimeError:", error)
