"""Runs named scenarios and prints one JSON line: scenario -> "ok" or what went wrong."""
import json
import traceback

results = {}


def scenario(name):
    def register(fn):
        try:
            fn()
            results[name] = "ok"
        except Exception as error:  # the failure is the result
            results[name] = f"{type(error).__name__}: {error} | {traceback.format_exc().splitlines()[-3].strip()}"
        return fn

    return register


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def report():
    print(json.dumps(results))
