import torch
x = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
y = x * 2
y.exp_()
z = x + 1
z.pow_(2)
w = x * 1
w.relu_()
v = x - 1
v.sigmoid_()
u = x * 3
u.clamp_(min=-1.0, max=4.0)
print(y, z, w, v, u, sep="\n")
(y + z + w + v + u).sum().backward()
print(x.grad)
with torch.no_grad():
    t = torch.tensor([1.0, 4.0])
    t.sqrt_()
    t.neg_()
print(t)
try:
    x.tanh_()
except RuntimeError as error:
    print(error)
