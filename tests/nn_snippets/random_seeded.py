import torch

torch.manual_seed(0)
print(torch.rand(3))
print(torch.rand(2, 2, dtype=torch.float64))
print(torch.randn(5))
print(torch.randn(17))
print(torch.randn((2, 3), dtype=torch.float64))
print(torch.randint(10, (6,)))
print(torch.randint(3, 9, size=(2, 2)))
print(torch.randperm(8))
print(torch.normal(2.0, 0.5, (4,)))
x = torch.randn(3, requires_grad=True)
print(x)
print(torch.rand_like(x), torch.randn_like(x))

g = torch.Generator().manual_seed(42)
a = torch.rand(4, generator=g)
b = torch.rand(4)
g.manual_seed(42)
print(torch.equal(a, torch.rand(4, generator=g)), b)
print(g.initial_seed(), torch.initial_seed())

w = torch.zeros(2, 3, requires_grad=True)
try:
    w.uniform_(-1, 1)
except RuntimeError as e:
    print("RuntimeError:", e)
with torch.no_grad():
    w.uniform_(-1, 1)
    w.normal_(0.0, 0.1)
print(w)
torch.manual_seed(0)
print(torch.rand(3))
y = (x * x).sum()
y.backward()
print(x.grad)
