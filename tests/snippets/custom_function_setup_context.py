import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(x, k):
        print("forward grad mode:", torch.is_grad_enabled())
        return x ** 3 * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, k = inputs
        print("setup_context:", len(inputs), output)
        ctx.save_for_backward(x)
        ctx.k = k

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x ** 2 * ctx.k, None


x = torch.tensor([1.0, 2.0], requires_grad=True)
y = Cube.apply(x, 2.0)
print(y)
y.sum().backward()
print(x.grad)
print(Cube.forward(x, 1.0))
