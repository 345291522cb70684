"""RESP2 requests for the tests and benchmarks that talk to kv (and redis-server) by hand."""


def command(*args):
    """One request as a RESP array of bulk strings; each argument is bytes, or str() of it encoded."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        data = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)
