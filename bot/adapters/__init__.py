"""Platform adapters: each translates one platform to the core's ports and back.

The console adapter is the embedded default; Slack and Discord start when their
credentials are set. Only an adapter imports its platform's library.
"""


class AdapterSetupError(RuntimeError):
    """A platform cannot start: a missing secret, a refused token, an unreachable API.
    The message is safe to print; it never contains a secret."""
