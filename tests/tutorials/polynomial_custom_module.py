import torch
import math

torch.manual_seed(0)


class Polynomial3(torch.nn.Module):
    def __init__(self):
        """
        Four parameters, assigned as members of the module.
        """
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item():.4f} + {self.b.item():.4f} x + {self.c.item():.4f} x^2 + {self.d.item():.4f} x^3'


# 21 points from -pi to pi (the tutorial takes 2000 with torch.linspace)
points = []
for i in range(21):
    points.append(-math.pi + i * math.pi / 10)
x = torch.tensor(points)
y = torch.sin(x)

model = Polynomial3()
print(model)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
for t in range(2000):
    y_pred = model(x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
