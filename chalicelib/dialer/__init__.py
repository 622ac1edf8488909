"""The outbound dialer: agents and their groups, customer-then-agent calls on the campaigns'
contacts, pacing with abandonment control, the agent's page and the live calls dashboard."""
