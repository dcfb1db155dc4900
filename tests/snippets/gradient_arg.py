import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
y.backward(torch.ones(3), retain_graph=True)
print(x.grad)
w = torch.tensor([1.0, 0.5, -1.0])
y.backward(gradient=w)
print(x.grad)
s = torch.tensor(2.0, requires_grad=True)
(s ** 3).backward(torch.tensor(0.5))
print(s.grad)
