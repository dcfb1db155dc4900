def risky(n):
    if n > 1:
        raise ValueError(f"n too big: {n}")
    return n
for n in range(3):
    try:
        print("got", risky(n))
    except ValueError as err:
        print("caught", err, repr(err))
    else:
        print("no error")
    finally:
        print("finally", n)
d = {"a": 1}
try:
    d["b"]
except KeyError as err:
    print("KeyError", err)
try:
    1 / 0
except ArithmeticError as err:
    print(err)
assert len(d) == 1, "one key"
assert len(d) == 2, "two keys"
