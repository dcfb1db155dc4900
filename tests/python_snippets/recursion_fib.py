import torch
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print([fib(i) for i in range(10)])
x = torch.tensor(1.0, requires_grad=True)
def build(t, depth):
    if depth == 0:
        return t
    return build(torch.sin(t) + t, depth - 1)
y = build(x, 4)
y.backward()
print(y, x.grad)
