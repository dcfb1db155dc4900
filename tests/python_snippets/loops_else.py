n = 0
while n < 10:
    n += 3
    if n == 6:
        continue
    print("n", n)
else:
    print("done", n)
for i, (a, b) in enumerate(zip("xyz", [1, 2, 3]), start=1):
    if b == 3:
        break
    print(i, a, b)
else:
    print("not printed")
total = 0
for k, v in {"p": 1, "q": 2}.items():
    total += v
print(total, max(3, 7, 5), min([4, 2]), sum([1, 2, 3], 10), abs(-2.5), round(2.675, 2), int("7") + float("1.5"))
