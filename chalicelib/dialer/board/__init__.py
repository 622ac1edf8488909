"""The dialer's live calls dashboard for supervisors: its picture (pure) and its pages."""
