a, b = 1, 2
print(a, b)
(c, d), e = (3, 4), 5
print(c, d, e)
try:
    x, y = [1, 2, 3]
except ValueError as err:
    print(err)
x, y = [1]
