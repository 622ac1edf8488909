"""The dialer agent's web page (``/agent``): log in, the agent's state with its buttons, the
customer of the call the agent is on with the call's disposition, updated without a reload."""
