"""Schemathesis hooks for CI's API fuzzing of the reference server (.ci/run).

A create answered with `Idempotent-Replayed: true` is the stored first answer
to its `Idempotency-Key` (openapi.yaml, `IdempotencyKey`): the resource it
names may have been deleted since, so a later `DELETE` of it is a 404 by
contract. Schemathesis reuses short generated keys across scenarios and then
reports ST302 ("created resource not found"). Such a failure is told apart
here — it names a resource that only a replay returned — and set aside, with a
line saying so; every other failure stands.
"""

import sys

import schemathesis

# Ids that came back in a replayed answer: the resource may be gone since.
_replayed = set()


def _ids_in(response):
    try:
        body = response.json()
    except Exception:
        return set()
    if isinstance(body, dict) and isinstance(body.get("id"), str):
        return {body["id"]}
    return set()


@schemathesis.hook
def after_call(ctx, case, response):
    if response.headers.get("idempotent-replayed", [""])[0] == "true":
        _replayed.update(_ids_in(response))


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    if getattr(failure, "code", "") != "ST302":
        return True
    # The failing case is the request that did not find the resource: its
    # path names the id.
    named = {str(v) for v in (getattr(case, "path_parameters", None) or {}).values()}
    stale = sorted(named & _replayed)
    if stale:
        print(f"set aside: ST302 on {stale[0]}, a resource an idempotency replay returned after it was deleted "
              "(contract behaviour, openapi.yaml IdempotencyKey)", file=sys.stderr)
        return False
    return True
