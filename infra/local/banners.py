"""What ``make run`` prints of each product's demo: how to try it on the running stack (the
commands, the pages and their logins), one function per product, each empty when the product
loaded no demo. Pure text from the demo's mapping; imports the standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def speech_banner(demo: Mapping[str, Any], caller: str, where: str) -> str:
    """How to try the speech demo (Eva), if the speech product loaded one."""
    speech = demo.get("speech")
    if not speech:
        return ""
    command = f"sim call --from {caller} --to {speech['number']} --press 1"
    return f"""
Talk to Eva, the speech bot (press 1 for English, 2 for Spanish, then say what you want):
  .venv/bin/ringflow {command} --say "I want the first option"{where}
"""


def callback_banner(demo: Mapping[str, Any], where: str, app_url: str = "") -> str:
    """How to try the callback demo, if the callback product loaded one."""
    callback = demo.get("callback")
    if not callback:
        return ""
    forms = "\n  ".join(app_url + path for path in callback.get("web", []))
    return f"""
Callback (account {callback["account"]}, {callback["balance"]}; access numbers ANI \
{callback["ani"]}, DNIS {callback["dnis"]}, PIN {callback["pin"]}):
  the user's web pages     {app_url}/my/login   account id {callback["account"]}, \
password {callback["password"]}
  .venv/bin/ringflow sim call --from {callback["caller"]} --to {callback["ani"]}{where}
  sleep 30; .venv/bin/ringflow sim calls{where}   # the callback: its id, then
  .venv/bin/ringflow sim calls CALL_ID{where}     # greeting, balance, the number prompt
Web callback forms (simple, extended, hosted):
  {forms}
{callback_mail_banner(callback)}"""


def campaigns_banner(demo: Mapping[str, Any], caller: str, where: str, app_url: str) -> str:
    """How to try an outbound campaign, if the campaigns product loaded its demo."""
    campaigns = demo.get("campaigns")
    if not campaigns:
        return ""
    body = json.dumps(
        {
            "api-version": "1.0",
            "security-id": campaigns["security_id"],
            "flow-id": campaigns["flow"],
            "calls": [
                {
                    "client-identifier": "demo-1",
                    "contact-numbers": [caller],
                    "keys": [{"name": "$flow.key.name", "value": "Dana"}],
                }
            ],
        }
    )
    return f"""
Outbound campaign of {campaigns["flow"]} (security id {campaigns["security_id"]}):
  curl -s {app_url}/outbound/create -H 'Content-Type: application/json' -d '{body}'
  .venv/bin/ringflow sim calls{where}              # the reminder rings {caller}
  the upload page          {app_url}{campaigns["page"]}   (the demo account's API key)
  .venv/bin/ringflow sim send-mail --local --from you@example.com \
    --to {campaigns["upload_address"]} --attach calls.csv   # a call list by e-mail
"""


def click2call_banner(demo: Mapping[str, Any], caller: str, where: str, app_url: str) -> str:
    """How to try click-to-call, if the product loaded its demo."""
    c2c = demo.get("click2call")
    if not c2c:
        return ""
    return f"""
Click-to-call (campaign {c2c["campaign"]}, operator {c2c["operator"]} answers):
  the banner as a site shows it  {app_url}{c2c["page"]}   (leave +{caller}, tick, Call me)
  .venv/bin/ringflow sim calls{where}              # the visitor rings, then the operator
  .venv/bin/ringflow click2call requests --account {demo["account_id"]}
  the company's pages      {app_url}{c2c["login"]}   company id {c2c["company"]}, \
password {c2c["password"]}
"""


def dialer_banner(demo: Mapping[str, Any], caller: str, where: str, app_url: str) -> str:
    """How to try the outbound dialer, if the product loaded its demo."""
    dialer = demo.get("dialer")
    if not dialer:
        return ""
    body = json.dumps(
        {
            "api-version": "1.0",
            "security-id": dialer["security_id"],
            "flow-id": dialer["flow"],
            "calls": [{"client-identifier": "demo-1", "contact-numbers": [caller]}],
        }
    )
    return f"""
Outbound dialer of {dialer["flow"]} (agent: the help desk {dialer["agent"]}, available):
  curl -s {app_url}/outbounddialer/create -H 'Content-Type: application/json' -d '{body}'
  .venv/bin/ringflow sim calls{where}              # {caller} rings, then the agent's phone
  .venv/bin/ringflow dialer agents --account {demo["account_id"]}
  the agent's page         {app_url}{dialer["agent_page"]}   account {demo["account_id"]}, \
agent {dialer["agent_id"]}, password {dialer["password"]}
  the supervisors' board   {app_url}{dialer["board"]}   account {demo["account_id"]} and its API key
"""


def callback_mail_banner(callback: Mapping[str, Any]) -> str:
    """How to try the callback's e-mail trigger, if the demo has a callback address."""
    if not callback.get("mail"):
        return ""
    account, password = callback["account"], callback["password"]
    command = f"P {account} {password} SN {callback['caller']} DN 447700900300"
    return f"""\
  .venv/bin/ringflow sim send-mail --local --from you@example.com --to {callback["mail"]} \\
    --subject "{command}"
  .venv/bin/ringflow sim mail --local              # the confirmation; then the callback rings
"""
