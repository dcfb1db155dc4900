"""lang: text → Program — the check language, input values, and lowering a program to either side."""
