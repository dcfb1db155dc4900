import torch


class Scaled(torch.autograd.Function):
    """k * x ** 2 with a number k: backward gives None for it."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        print("needs_input_grad:", ctx.needs_input_grad, torch.is_grad_enabled())
        return k * x ** 2

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        print("backward under grad mode:", torch.is_grad_enabled())
        return grad_output * 2 * ctx.k * x, None


class SumProd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a + b, a * b

    @staticmethod
    def backward(ctx, grad_sum, grad_prod):
        a, b = ctx.saved_tensors
        print("grads:", grad_sum, grad_prod)
        return grad_sum + grad_prod * b, grad_sum + grad_prod * a


x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = Scaled.apply(x, 3.0)
print(y)
print(y.grad_fn.name(), y.is_leaf, y.requires_grad)
y.sum().backward()
print(x.grad)

a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(5.0, requires_grad=True)
s, p = SumProd.apply(a, b)
print(s, p)
s.backward(retain_graph=True)
print(a.grad, b.grad)
a.grad = None
b.grad = None
(s * p).backward()
print(a.grad, b.grad)

with torch.no_grad():
    z = Scaled.apply(x, 1.0)
print(z)
c = Scaled.apply(torch.tensor(2.0), 1.0)
print(c, c.grad_fn)
print(Scaled)
