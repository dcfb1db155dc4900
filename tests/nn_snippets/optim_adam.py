import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


torch.manual_seed(7)
x = torch.rand(16, 2)
y = x.sum(dim=1, keepdim=True) ** 2
for kind in ["Adam", "AdamW", "amsgrad"]:
    torch.manual_seed(7)
    model = Regressor()
    if kind == "Adam":
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
    elif kind == "AdamW":
        opt = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=0.05, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.01)
    for step in range(30):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    print(kind, loss)
    print(model.out.bias)
print(opt)
