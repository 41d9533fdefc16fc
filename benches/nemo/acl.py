"""Nemo's run of benches/acl.dl for benches/race.sh: load the rules and the TSV facts,
reason, and print the `stalled(W)` rows as `grantlog eval -q 'stalled(W)' --format csv`
does (a `W` header, then the names sorted); with --sizes, also the size of every derived
relation on stderr, one `relation count` a line in benches/acl.dl's order.

    python acl.py RULES TSV_DIR [--sizes]
"""

import os
import sys

import nmo_python

# The derived relations of benches/acl.dl, in its order.
DERIVED = [
    "ancestor", "active", "tenant_admin", "can_manage", "effective", "can_use",
    "runs_as", "dangling", "missing", "blocked", "runnable", "stalled", "healthy",
    "orphan",
]


def plain(value):
    """A string value as its text: the bindings give a string's canonical form, quoted
    (the generated names need no escapes)."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--sizes"):
        sys.exit("usage: acl.py RULES TSV_DIR [--sizes]")
    rules, tsv_dir = argv[0], argv[1]
    with open(rules, encoding="utf-8") as f:
        text = f.read()
    # The rules name their TSV files relative to the working directory.
    os.chdir(tsv_dir)
    engine = nmo_python.NemoEngine(nmo_python.load_string(text))
    engine.reason()
    out = ["W"]
    out.extend(sorted(plain(row[0]) for row in engine.result("stalled")))
    sys.stdout.write("\n".join(out) + "\n")
    if len(argv) == 3:
        for rel in DERIVED:
            # A relation nothing derives may be unknown to the engine: size 0.
            try:
                n = sum(1 for _ in engine.result(rel))
            except Exception:  # nmo_python.NemoError is not exported
                n = 0
            print(rel, n, file=sys.stderr)
    sys.stdout.flush()
    # Like the other engines, leave the freeing to the operating system.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
