def outer(k):
    def inner(x):
        return k * x
    return inner
triple = outer(3)
square = lambda x, p=2: x ** p
print(triple(4), square(5), square(2, p=10))
print(sorted([3, 1, 2], reverse=True), [n % 3 for n in range(-4, 5)])
print(-7 // 2, -7 % 2, 7.5 // 2, 1 < 2 < 3, 3 > 2 > 2, 'a' in 'abc', 2 not in [1, 3])
