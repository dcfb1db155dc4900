import torch
x = torch.tensor(3.0, requires_grad=True)
z = x ** 2
z.retain_grad()
w = z * 2
w.backward(retain_graph=True)
print(z.grad, x.grad)
w.backward()
print(z.grad, x.grad)
