import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
y = x * 2
print(y._version)
z = F.relu(y, inplace=True)
print(z is y, y, y._version, z.grad_fn.name())
z.sum().backward()
print(x.grad)
a = x * 3
b = torch.relu_(a)
print(b is a, a, a._version)
c = x - 1
c.relu_()
print(c, c._version)
m = nn.ReLU(inplace=True)
print(m, nn.ReLU(), nn.LeakyReLU(0.2, inplace=True), nn.ELU(inplace=True))
d = x * 1
out = m(d)
print(out is d, out, d._version)
(out * out).sum().backward()
print(x.grad)
seq = nn.Sequential(nn.Linear(3, 2), nn.ReLU(inplace=True))
print(seq)
try:
    F.relu(x, inplace=True)
except RuntimeError as e:
    print(e)
try:
    x.relu_()
except RuntimeError as e:
    print(e)
w = x * 2
s = w.sigmoid()
w.relu_()
try:
    s.sum().backward()
except RuntimeError as e:
    print(e)
e = x * 2
g = e.exp()
e2 = torch.relu_(g)
try:
    e2.sum().backward()
except RuntimeError as err:
    print(err)
with torch.no_grad():
    q = torch.tensor([-1.0, 2.0])
    F.relu(q, inplace=True)
    print(q)
l = x * -1
print(F.leaky_relu(l, 0.1, inplace=False), nn.LeakyReLU(0.2)(l), nn.ELU()(l), l._version)
net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 1))
for p in net.parameters():
    p.data.fill_(0.25)
loss = net(torch.stack([x, 2 * x])).sum()
loss.backward()
print(loss, net[0].weight.grad)
