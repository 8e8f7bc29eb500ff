"""Run with `penv run hello.py`: penv builds .venv first if it needs to."""

import sys

import greeting

print(greeting.hello())
print(f"python: {sys.executable}")
