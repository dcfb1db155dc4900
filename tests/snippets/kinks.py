import torch
D = torch.float64
for v in [0.0, -1.0, 2.0]:
    x = torch.tensor(v, dtype=D, requires_grad=True)
    y = torch.relu(x) + torch.abs(x) + torch.clamp(x, min=0.0, max=1.0)
    y.backward()
    print(v, y.item(), x.grad.item())
s = torch.tensor(0.0, dtype=D, requires_grad=True)
r = torch.sqrt(s)
r.backward()
print(r, s.grad)
