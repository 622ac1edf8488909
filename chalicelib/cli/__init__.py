"""The operator command line, `ringflow ...`: accounts, API keys, flows, numbers, calls, sim."""
