# Stand-in for the PyPI package www-authenticate, which registry-cli imports and Debian does not ship:
# parse() of one challenge, `Scheme k="v", ...`, as {scheme: {k: v}} (registry-cli reads the scheme names,
# and a Bearer challenge's realm, service and scope). Enough for docker-registry and Nexus (Basic).
import re


def parse(header):
    m = re.match(r'\s*([A-Za-z][\w-]*)\s*(.*)$', header or '')
    if not m:
        return {}
    params = {k.lower(): v for k, v in re.findall(r'(\w+)="([^"]*)"', m.group(2))}
    return {m.group(1).lower(): params}
