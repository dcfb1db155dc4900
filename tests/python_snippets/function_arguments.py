def f(a, b=2, *, c=3):
    return a + b * c
print(f(1), f(1, 3), f(1, c=10), f(a=5, b=0))
try:
    f()
except TypeError as err:
    print(err)
try:
    f(1, 2, 3)
except TypeError as err:
    print(err)
f(1, d=4)
