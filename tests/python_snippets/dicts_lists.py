d = dict(a=1) if False else {"a": 1}
d["b"] = [1, 2]
d["b"].append(3)
d["b"][0] = 10
print(d, len(d), list(d), d.get("z", 0), "a" in d)
l = [5, 3, 8]
l.extend((1,))
print(l[1:3], l[-1], l[::-1], tuple(l), l.pop(), l.index(3))
s = "Loss"
print(s.upper(), s.lower(), "-".join(["a", "b"]), s.startswith("L"), "x y".split(), s[1:])
print(isinstance(1, int), isinstance("a", (int, str)), str(3) + "!", repr("q"))
