import torch
n = 7
half = n / 2
print(n, half, n * 3 - 1, 2 ** 10, -n, +half, abs(-3.5), round(2.675, 2), round(3.5))
label = "grad" + "ient"
print(label, label * 2, len(label), str(12) + "!", repr("q"), int("42") + 1, float("1e-3"))
print(n > 3, n <= 3, n == 7, n != 7, None is None, label is not None)
x = torch.tensor(2.0, requires_grad=True)
y = x ** n
y.backward()
print(x.grad is None, y.grad_fn is not None, x.grad == 448, len(torch.tensor([1.0, 2.0])))
print("-" * 20)
a = b = 5
print(a, b)
pass
