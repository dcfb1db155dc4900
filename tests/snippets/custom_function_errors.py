import torch


class TooMany(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g, g


class WrongShape(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return torch.ones(3)


class NotATensor(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return 3.0


class Saves(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 2


x = torch.tensor([1.0, 2.0], requires_grad=True)
for f in [TooMany, WrongShape, NotATensor]:
    try:
        f.apply(x).sum().backward()
    except RuntimeError as e:
        print(e)
y = Saves.apply(x).sum()
y.backward()
print(x.grad)
try:
    y.backward()
except RuntimeError as e:
    print(e)
