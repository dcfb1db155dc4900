import torch
import torch.nn as nn

p = nn.Parameter(torch.ones(2))
for make in [
    lambda: torch.optim.RMSprop([p], alpha=-1),
    lambda: torch.optim.RMSprop([p], eps=-1e-3),
    lambda: torch.optim.RMSprop([p], 0.1, 0.9, 1e-8, -1),
]:
    try:
        make()
    except ValueError as e:
        print(e)
torch.manual_seed(0)
w = nn.Parameter(torch.randn(3))
opt = torch.optim.RMSprop([w], lr=0.01, momentum=0.9, centered=True)
print(opt)
for step in range(3):
    opt.zero_grad()
    loss = (w**2).sum()
    loss.backward()
    opt.step()
    print(step, loss.item(), w)
print(opt.param_groups[0]["alpha"])
