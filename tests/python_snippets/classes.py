import torch


class Counter:
    """Counts its calls; a class attribute shared by its instances."""

    made = 0
    step = 2

    def __init__(self, start=0):
        self.n = start
        Counter.made += 1

    def __call__(self, times=1):
        self.n += self.step * times
        return self.n

    def __repr__(self):
        return f"Counter(n={self.n})"

    def __len__(self):
        return self.n

    @staticmethod
    def describe(word):
        return "a counter " + word

    @classmethod
    def zero(cls):
        return cls(0)

    @property
    def doubled(self):
        return 2 * self.n


class Fast(Counter):
    step = 5

    def __init__(self, start):
        super().__init__(start)
        self.fast = True

    def __str__(self):
        return "fast " + repr(self)


class Plain(object):
    pass


c = Counter()
print(c(), c(3), len(c), c.doubled, c)
f = Fast(1)
print(f(), f, repr(f), [f, c])
print(Counter.made, Fast.made, f.made, Counter.describe("x"), f.describe("y"))
z = Fast.zero()
print(type(z) is Fast, isinstance(z, Counter), isinstance(c, Fast), isinstance(f, (Plain, Counter)))
print(bool(z), bool(c), z.fast)
print(str(Plain())[:17], Counter, Fast)
print(getattr(c, "n"), getattr(c, "missing", -1), hasattr(c, "doubled"), hasattr(c, "nope"))
setattr(c, "n", 7)
print(c.n, c.doubled, f"{c}", f"{f!r}", "{}".format(f))
Counter.step = 10
print(c(), f())
try:
    c.doubled = 3
except AttributeError as e:
    print("AttributeError:", e)
try:
    Plain(1)
except TypeError as e:
    print("TypeError:", e)
try:
    print(Plain().n)
except AttributeError as e:
    print("AttributeError:", e)
try:
    Plain()()
except TypeError as e:
    print("TypeError:", e)
try:
    Plain()[0]
except TypeError as e:
    print("TypeError:", e)
try:
    len(Plain())
except TypeError as e:
    print("TypeError:", e)


class Table:
    def __init__(self, rows):
        self.rows = rows

    def __getitem__(self, i):
        return self.rows[i] * 10

    def __len__(self):
        return len(self.rows)


t = Table([1, 2, 3])
print(t[0], t[-1], len(t), bool(Table([])))


class Scale:
    def __init__(self, w):
        self.w = torch.tensor(w, requires_grad=True)

    def __call__(self, x):
        self.out = self.w * x
        return self.out

    def parameters(self):
        return [self.w]


class Shifted(Scale):
    def __init__(self, w, b):
        super().__init__(w)
        self.b = torch.tensor(b, requires_grad=True)

    def __call__(self, x):
        return super().__call__(x) + self.b

    def parameters(self):
        return super().parameters() + [self.b]


layers = [Scale(2.0), Shifted(3.0, 0.5)]
x = torch.tensor(1.5)
for layer in layers:
    x = layer(x)
layers[0].out.retain_grad()
x.backward()
print(x, [p.grad for layer in layers for p in layer.parameters()], layers[0].out.grad)
