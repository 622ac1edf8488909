"""Development tools run by the Makefile (``make docs``); never shipped to Lambda."""
