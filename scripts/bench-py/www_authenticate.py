# Stand-in for the PyPI package www-authenticate, which registry-cli imports and Debian does not ship.
# The bench's registries need no authentication, so registry-cli never calls it; if it does, it says so.
def parse(header):
    raise RuntimeError("bench: www_authenticate.parse is not available (the bench runs registries without auth)")
