import torch

xs = [3, -1, 4, -1, 5]
m = map(abs, xs)
print(list(m), list(m))
squares = map(lambda v: v * v, range(4))
for s in squares:
    print(s, end=" ")
print(list(squares))
pairs = list(map(lambda a, b: a + b, [1, 2, 3], [10, 20]))
print(pairs, sum(map(abs, xs)), max(map(abs, xs)), sorted(map(abs, xs)))
f = filter(lambda v: v > 0, xs)
print(list(f), list(f), list(filter(None, [0, 1, "", "a", None, 2])))
print(any(map(lambda v: v > 4, xs)), all(filter(None, xs)), ",".join(map(str, xs)))
r = reversed(xs)
print(list(r), list(r))
print(sorted(xs, key=abs), sorted(xs, key=lambda v: -v, reverse=True), sorted(["bb", "a", "ccc"], key=len))
words = ["pear", "fig", "apple"]
words.sort(key=len)
print(words)
words.sort(key=lambda w: w[-1], reverse=True)
print(words)
counts = {}
for w in ["a", "b", "a"]:
    counts.setdefault(w, []).append(w)
print(counts, counts.get("c", 0), counts.get("a"), sorted(counts.items()), list(counts.keys()), list(counts.values()))
w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
terms = list(map(lambda t: t * t, w))
total = sum(filter(lambda t: t.item() > 1, terms))
total.backward()
print(total, w.grad)
print([round(v, 2) for v in map(lambda t: t.item(), w.grad)])
try:
    map(abs, 1)
except TypeError as e:
    print("TypeError:", e)
try:
    list(map(1, [1]))
except TypeError as e:
    print("TypeError:", e)
