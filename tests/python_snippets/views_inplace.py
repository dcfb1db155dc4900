import torch
x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]], requires_grad=True)
w = torch.tensor([2.0, -1.0, 0.5], requires_grad=True)
y = x.exp()
z = y * 1
a = z.view(3, 2)[1:]
a.clamp_(max=10.0)
b = z[1]
b += w
b.retain_grad()
c = z[0, ::2]
c.zero_()
z.t()[1].exp_()
print(z, b.grad_fn.name(), a.grad_fn.name(), z._version)
(z * w).sum().backward()
print(x.grad, w.grad, b.grad)
for row in z:
    print(row.grad_fn.name(), row.requires_grad)
s = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
t = s * 2
e = t[1]
e.mul_(s[0])
t.sum().backward()
print(t, s.grad)
x2 = torch.tensor([[1.0, -2.0, 3.0], [4.0, 0.5, -6.0]], requires_grad=True)
w2 = torch.tensor([2.0, -1.0], requires_grad=True)
y2 = x2 * 1
p = y2.permute(1, 0)
p[2] = w2
q = y2.unsqueeze(0)
q[0, 1, 1:] = w2
r = y2.T
r[0].mul_(w2)
(y2 * y2).sum().backward()
print(y2, x2.grad, w2.grad)
