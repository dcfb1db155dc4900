import torch
x = torch.tensor(2.0, requires_grad=True)
y = x * x
y.backward()
print()
print("a", "b", "c", sep="-")
print("no newline", end="")
print(" ... continued", end="!\n")
print(x, y, sep=" | ", end=" <end>\n")
print("梯度:", x.grad, None, True, 1.5, [1, 2.0], sep=None)
print(x.grad, y.item(), y.tolist(), x.grad.tolist(), sep="\n")
