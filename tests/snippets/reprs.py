import torch
D = torch.float64
x = torch.tensor(3.0, requires_grad=True)
print(repr(x), repr(torch.tensor(3.0)), repr(torch.tensor(3)))
z = x * x + 16
print(repr(z))
z.backward()
print(repr(x.grad))
xd = torch.tensor(3.0, dtype=D, requires_grad=True)
zd = xd ** 2
print(repr(xd)); print(repr(zd))
zd.backward(); print(repr(xd.grad))
print(repr(torch.tensor(1/3)), repr(torch.tensor(2.5)), repr(torch.tensor(-0.0)))
print(repr(torch.tensor(float('nan'))), repr(torch.tensor(float('inf'))), repr(torch.tensor(-float('inf'))))
print(repr(torch.tensor(1e10)), repr(torch.tensor(1e-5)), repr(torch.tensor(123456.0)))
print(repr(torch.tensor([1.0, 2.0, 3.0], requires_grad=True)))
print(repr(torch.tensor([1.0, 2.5, 3.0])), repr(torch.tensor([1.0, float('nan'), float('inf')])))
print(repr(torch.tensor([1.0, 2.0], dtype=D) * torch.tensor(2.0, dtype=D, requires_grad=True)))
print(repr(torch.tensor(1/3, dtype=D)), (torch.tensor(1/3, dtype=D)).item())
print(str(z) == repr(z))
