# tuples: as torch.tensor's data (alone or mixed with lists), as sizes, as plain Python values a program prints
import torch

x = torch.tensor(((1., 2., 3.), (4., 5., 6.)), requires_grad=True)
y = torch.tensor([(0.5, -1.), [2., 1.5]], dtype=torch.float64)
e = torch.tensor(())
print(x, y, e, e.shape)
print(x.shape == (2, 3), x.size() == (2, 3), (2, 3) == x.shape, x.shape == [2, 3], x.shape != (3, 2))
print((1, 2), (1,), (), ((1, 2), [3, (4.5,)]), (None, True, "a"), len((1, 2, 3)))
print(str((1, 'a')), repr(("b",)), f"{(1, 2)} {(0.5,)!r}", (1, 2) < (1, 3), (1, 2) == (1, 2.0), x == (1, 2, 3))
ones = torch.ones((2, 3))
zeros = torch.zeros(x.shape, dtype=torch.float64)
print(ones, zeros, torch.ones(()), torch.zeros([2]))
pair = (x, x.sum())
print(pair)
h = x
for v in (1, 2.5, -3):
    h = h * v
for w in (torch.tensor(2.0), 3):
    print(w)
z = (h * ones).sum()
z.backward()
print(x.grad)
