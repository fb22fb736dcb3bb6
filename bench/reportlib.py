"""What the benchmark report scripts share."""
import os


def read_kv(path):
    """KEY=VALUE lines of a file into a dict ({} when it is missing)."""
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    return out
