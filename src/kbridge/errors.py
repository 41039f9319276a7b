"""The one exception type that means "the user's input is wrong".

The CLI turns it into a single line on stderr and exit status 2. Library code
raises it with a message that names the problem and, where there is one, the
fix -- never a traceback for a bad path or a typo in a target name.
"""


class KbridgeError(Exception):
    """Bad input or an unusable environment; the message is one line."""
