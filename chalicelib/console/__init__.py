"""The console: a tenant's flows drawn as pictures, their versions side by side, drafts checked,
the calls in progress walking through a flow and finished calls replayed."""
