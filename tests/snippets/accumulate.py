import torch
x = torch.tensor(3.0, requires_grad=True)
y = x ** 2
y.backward(retain_graph=True)
print("after 1st:", x.grad)
y.backward(retain_graph=True)
print("after 2nd:", x.grad)
g = x.grad
x.grad.zero_()
print("after zero_():", x.grad, "same object:", g is x.grad)
y.backward(retain_graph=True)
print("after 3rd:", x.grad)
x.grad = None
print("after =None:", x.grad)
y.backward()
print("after 4th:", x.grad)
