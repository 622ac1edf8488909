"""Click-to-call (the Kolmisoft seed): companies, their operators and campaigns, the banner a
marketing site embeds, and each visitor's request called through the campaigns' loop (its
redials, pace and timing) on an outbound flow made for the campaign, the visitor and the company
bridged by the flow's connect. Its store is ``store.click2call``; the core imports none of it.
"""
