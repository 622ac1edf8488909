// The dev phone's page: holds this tab's number, polls the phone's state (~300 ms), shows the
// call, the live transcript and the SMS inbox, speaks prompts where the browser can, and sends
// the person's acts (dial, keys, words, hang up, a ringing call's button).
"use strict";

(() => {
  const POLL_MS = 300;
  const TAB_KEY = "ringflow-dev-phone-tab";
  const NUMBER_KEY = "ringflow-dev-phone-number";
  const KINDS = {
    "say": "prompt",
    "play": "audio",
    "input-request": "listens",
    "press": "keys",
    "speak": "you said",
    "dial": "dial",
    "status": "status",
    "record": "record",
    "hangup": "hang-up",
    "bridge": "bridge",
    "conversation": "conference",
    "transfer": "transfer",
    "error": "error",
  };

  const $ = (id) => document.getElementById(id);
  const voice = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window
    ? window.speechSynthesis : null;
  let number = null;
  let shown = "";
  let spoken = { call: null, count: 0 };
  let timer = null;

  function tabToken() {
    let token = sessionStorage.getItem(TAB_KEY);
    if (!token) {
      const bytes = new Uint8Array(12);
      crypto.getRandomValues(bytes);
      token = "tab-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      sessionStorage.setItem(TAB_KEY, token);
    }
    return token;
  }
  const tab = tabToken();

  function note(id, text, error) {
    const element = $(id);
    element.textContent = text;
    element.classList.toggle("error", Boolean(error));
  }

  async function send(path, body) {
    const answer = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tab, ...body }),
    });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      throw new Error(data.error || `the dev phone answered ${answer.status}`);
    }
    return data;
  }

  async function act(what, body) {
    if (!number) return;
    try {
      await send(`/api/phones/${number}/${what}`, body || {});
      note("own-status", "");
      poll(true);
    } catch (error) {
      note("own-status", error.message, true);
    }
  }

  async function claim(wanted) {
    try {
      const state = await send("/api/phones", { number: wanted });
      number = state.number;
      sessionStorage.setItem(NUMBER_KEY, number);
      $("own-number").value = "+" + number;
      note("own-status", `This tab is +${number}.`);
      document.title = `+${number} · Dev phone`;
      render(state);
      schedule();
    } catch (error) {
      number = null;
      note("own-status", error.message, true);
      render({ call: null, inbox: [] });
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => poll(false), POLL_MS);
  }

  async function poll(once) {
    if (!number) return;
    try {
      const answer = await fetch(`/api/phones/${number}?tab=${encodeURIComponent(tab)}`);
      const data = await answer.json();
      if (answer.ok) {
        render(data);
      } else if (answer.status === 409) {
        number = null;
        note("own-status", data.error || "this tab no longer holds its number", true);
      }
    } catch (error) {
      note("own-status", "the simulator does not answer", true);
    }
    if (!once && number) schedule();
  }

  function statusLine(call) {
    if (!call) return ["idle", "Idle", ""];
    const other = "+" + call.other;
    if (call.ringing) return ["ringing", "Ringing…", `call from ${other}`];
    if (call.up) {
      return ["up", "On a call", (call.direction === "incoming" ? "with " : "to ") + other];
    }
    if (call.ended) return ["ended", `Call ended (${call.status})`, other];
    return ["ringing", call.direction === "incoming" ? "Ringing…" : "Calling…", other];
  }

  function render(state) {
    const call = state.call;
    const key = JSON.stringify(state);
    if (key === shown) return;
    shown = key;
    const [mode, text, other] = statusLine(call);
    const status = $("call-status");
    status.textContent = text;
    status.dataset.state = mode;
    $("call-other").textContent = other;
    const pending = call && call.up && call.pending.length ? call.pending.join(" ") : "";
    $("pending").textContent = pending ? `kept for the line: ${pending}` : "";

    const up = Boolean(call && call.up);
    const busy = Boolean(call && !call.ended);
    const ringing = Boolean(call && call.ringing);
    $("incoming").hidden = !ringing;
    $("incoming-from").textContent = ringing ? "+" + call.other : "";
    document.querySelectorAll("#keypad button").forEach((button) => { button.disabled = !up; });
    $("say").disabled = !up;
    $("say-text").disabled = !up;
    $("hangup").disabled = !busy || ringing;
    $("dial").disabled = busy || !number;

    renderTranscript(call);
    renderInbox(state.inbox || []);
  }

  function renderTranscript(call) {
    const list = $("transcript");
    const entries = call ? call.transcript : [];
    list.replaceChildren(...entries.map((entry) => {
      const item = document.createElement("li");
      item.dataset.kind = entry.kind;
      const at = document.createElement("span");
      at.className = "at";
      at.textContent = `${entry.at.toFixed(1)}s`;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = KINDS[entry.kind] || entry.kind;
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = entry.text;
      item.append(at, kind, text);
      return item;
    }));
    $("transcript-empty").hidden = entries.length > 0;
    list.lastElementChild && list.lastElementChild.scrollIntoView({ block: "nearest" });
    speak(call);
  }

  function speak(call) {
    if (!call) return;
    if (spoken.call !== call.uuid) spoken = { call: call.uuid, count: 0 };
    const prompts = call.transcript.filter(
      (entry) => entry.kind === "say" && !entry.text.startsWith("("));
    const fresh = prompts.slice(spoken.count);
    spoken.count = prompts.length;
    if (!voice) {
      $("voice").textContent = "This browser cannot speak: read the prompts in the transcript.";
      return;
    }
    if (call.ended) {
      voice.cancel();
      return;
    }
    fresh.forEach((entry) => voice.speak(new SpeechSynthesisUtterance(entry.text)));
  }

  function renderInbox(messages) {
    const list = $("inbox");
    list.replaceChildren(...messages.map((message) => {
      const item = document.createElement("li");
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = `from +${message.from} · ${message.at.replace("T", " ").slice(0, 19)}`;
      const text = document.createElement("div");
      text.className = "text";
      text.textContent = message.text;
      item.append(meta, text);
      return item;
    }));
    $("inbox-empty").hidden = messages.length > 0;
  }

  async function start() {
    $("own-form").addEventListener("submit", (event) => {
      event.preventDefault();
      claim($("own-number").value.trim());
    });
    $("dial-choice").addEventListener("change", (event) => {
      if (event.target.value) $("dial-to").value = "+" + event.target.value;
    });
    $("dial-form").addEventListener("submit", (event) => {
      event.preventDefault();
      act("dial", { to: $("dial-to").value.trim() });
    });
    $("keypad").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-key]");
      if (button && !button.disabled) act("press", { digits: button.dataset.key });
    });
    document.addEventListener("keydown", (event) => {
      const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
      if (!typing && /^[0-9*#]$/.test(event.key) && !$("hangup").disabled) {
        act("press", { digits: event.key });
      }
    });
    $("say-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("say-text").value.trim();
      if (text) act("say", { text }).then(() => { $("say-text").value = ""; });
    });
    $("hangup").addEventListener("click", () => act("hangup"));
    $("incoming").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-pick]");
      if (button) act("pick", { choice: button.dataset.pick });
    });
    window.addEventListener("pagehide", () => {
      if (number) {
        // a keepalive request outlives the page (a beacon cannot say it is JSON); if it is lost,
        // the number goes back by itself once this tab stops asking about it
        fetch(`/api/phones/${number}/release`, {
          method: "POST",
          keepalive: true,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ tab }),
        }).catch(() => {});
      }
    });
    if (!voice) {
      $("voice").textContent = "This browser cannot speak: read the prompts in the transcript.";
    }
    let numbers = { account_numbers: [], suggested: "" };
    try {
      numbers = await (await fetch("/api/numbers")).json();
    } catch (error) {
      note("own-status", "the simulator does not answer", true);
    }
    const choice = $("dial-choice");
    numbers.account_numbers.forEach((owned) => {
      const option = document.createElement("option");
      option.value = owned;
      option.textContent = "+" + owned;
      choice.append(option);
    });
    const wanted = new URLSearchParams(location.search).get("number")
      || sessionStorage.getItem(NUMBER_KEY) || numbers.suggested;
    $("own-number").value = wanted ? "+" + wanted.replace(/^\+/, "") : "";
    render({ call: null, inbox: [] });
    if (wanted) claim(wanted);
  }

  start();
})();
