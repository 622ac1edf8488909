// Ringflow dialer's live board for supervisors: polls the board's JSON (data-now) every
// data-poll milliseconds and redraws the totals, the live picture (an SVG graph laid out by the
// server: hubs, calls and agents, each coloured by its stage or state) and the tables. No
// framework and no inline script or style: the page's Content-Security-Policy allows neither.
(function () {
  "use strict";
  var body = document.body;
  var source = body.getAttribute("data-now");
  if (!source) {
    return;
  }
  var poll = parseInt(body.getAttribute("data-poll") || "1000", 10);
  var login = body.getAttribute("data-login");
  var status = document.getElementById("status");
  var SVG = "http://www.w3.org/2000/svg";
  var STAGES = { waiting: "waiting", ringing: "ringing", talking: "talking" };
  var STATES = {
    available: "available",
    on_call: "on a call",
    wrap_up: "wrap-up",
    paused: "paused",
    logged_out: "logged out"
  };
  var last = "";
  var failures = 0;

  function el(name, attributes, text) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function svg(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, String(attributes[key]));
    });
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) {
      return "";
    }
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    var two = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return hours ? hours + ":" + two(minutes) + ":" + two(secs) : minutes + ":" + two(secs);
  }

  function percent(share) {
    return share === null || share === undefined ? "–" : (share * 100).toFixed(1) + "%";
  }

  function tone(value, words) {
    return el("span", { class: "tone " + value }, words[value] || value);
  }

  function cell(row, label, content, className) {
    var td = el("td", { "data-label": label });
    if (className) {
      td.className = className;
    }
    if (content instanceof Node) {
      td.appendChild(content);
    } else {
      td.textContent = content === null || content === undefined ? "" : String(content);
    }
    row.appendChild(td);
    return td;
  }

  function fill(table, rows, columns, empty) {
    var tbody = document.querySelector("#" + table + " tbody");
    var fresh = document.createElement("tbody");
    if (!rows.length) {
      var tr = el("tr", { class: "empty" });
      tr.appendChild(el("td", { colspan: String(columns) }, empty));
      fresh.appendChild(tr);
    }
    rows.forEach(function (row) {
      fresh.appendChild(row);
    });
    tbody.parentNode.replaceChild(fresh, tbody);
  }

  function totals(view) {
    var t = view.totals;
    var set = function (id, value) {
      var node = document.getElementById("total-" + id);
      if (node) {
        node.textContent = String(value);
      }
    };
    ["waiting", "ringing", "talking"].forEach(function (stage) {
      set(stage, t.calls[stage]);
    });
    ["available", "on_call", "wrap_up", "paused"].forEach(function (state) {
      set(state, t.agents[state]);
    });
    set("occupancy", percent(view.occupancy));
    set(
      "connected",
      t.answers.connected_total + " / " + t.answers.answered_total +
        " (" + percent(t.answers.connect_rate) + ")"
    );
    set("abandoned", t.answers.abandoned + " (" + percent(t.answers.abandon_rate) + ")");
  }

  function picture(view) {
    var p = view.picture;
    var holder = document.getElementById("picture");
    var root = svg("svg", {
      viewBox: "0 0 " + p.width + " " + p.height,
      width: p.width,
      height: p.height,
      role: "img",
      "aria-label": view.totals.calls.all + " calls in progress, " +
        view.totals.agents.all + " agents"
    });
    var where = {};
    p.nodes.forEach(function (node) {
      where[node.node_id] = node;
    });
    var edges = svg("g", { class: "edges" });
    p.edges.forEach(function (edge) {
      var a = where[edge.source];
      var b = where[edge.target];
      if (!a || !b) {
        return;
      }
      edges.appendChild(svg("line", {
        class: "edge " + edge.kind,
        x1: a.x, y1: a.y, x2: b.x, y2: b.y,
        "data-edge": edge.source + ">" + edge.target
      }));
    });
    root.appendChild(edges);
    p.nodes.forEach(function (node) {
      var g = svg("g", {
        class: "node " + node.kind + " " + node.tone,
        "data-node": node.node_id,
        "data-tone": node.tone
      });
      var words = node.kind === "agent" ? STATES[node.tone] || node.tone
        : node.kind === "call" ? STAGES[node.tone] || node.tone
        : node.tone === "over" ? "abandonment above its ceiling" : "";
      g.appendChild(svg("title", {}, node.label + (words ? ": " + words : "")));
      if (node.kind === "hub") {
        g.appendChild(svg("rect", {
          x: node.x - 95, y: node.y - 15, width: 190, height: 30, rx: 8
        }));
        g.appendChild(svg("text", { x: node.x, y: node.y }, node.label));
      } else {
        g.appendChild(svg("circle", { cx: node.x, cy: node.y, r: 11 }));
        g.appendChild(svg("text", { x: node.x + 18, y: node.y }, node.label));
      }
      root.appendChild(g);
    });
    if (!p.nodes.length) {
      root.appendChild(svg("text", { class: "empty", x: 20, y: 36 },
        "No agents, calls or campaigns yet."));
    }
    holder.replaceChildren(root);
  }

  function tables(view) {
    fill("campaigns", view.campaigns.map(function (c) {
      var tr = el("tr", { "data-campaign": c.campaign_id, class: c.over ? "over" : "" });
      cell(tr, "Campaign", c.campaign_id);
      cell(tr, "Mode", c.mode);
      cell(tr, "Ratio", c.ratio.toFixed(2), "number");
      cell(tr, "Abandoned (window)", c.abandoned + " of " + c.live_answered, "number");
      cell(tr, "Rate / ceiling", percent(c.abandon_rate) + " / " + percent(c.ceiling) +
        (c.over ? " above the ceiling" : ""), "rate number");
      cell(tr, "Answered", c.answered_total, "number");
      cell(tr, "Connected", c.connected_total, "number");
      cell(tr, "Wait p50", c.wait_p50.toFixed(1) + " s", "number");
      cell(tr, "Wait p99", c.wait_p99.toFixed(1) + " s", "number");
      return tr;
    }), 9, "No dialer campaign has measures yet.");
    fill("calls", view.calls.map(function (c) {
      var tr = el("tr", { "data-call": c.call_id, "data-stage": c.stage });
      cell(tr, "Customer", c.customer, "number");
      cell(tr, "Campaign", c.campaign_id || "queue " + c.group_id);
      cell(tr, "Stage", tone(c.stage, STAGES));
      cell(tr, "Agent", c.agent || "");
      cell(tr, "Waiting", duration(c.waiting), "number");
      cell(tr, "In stage", duration(c.seconds), "number");
      return tr;
    }), 6, "No call in progress.");
    fill("agents", view.agents.map(function (a) {
      var tr = el("tr", { "data-agent": a.agent_id, "data-state": a.state });
      cell(tr, "Agent", a.name ? a.name + " (" + a.agent_id + ")" : a.agent_id);
      cell(tr, "Group", a.group_id);
      cell(tr, "State", tone(a.state, STATES));
      cell(tr, "Time in state", duration(a.seconds), "number");
      cell(tr, "Call", a.call_id || "");
      return tr;
    }), 5, "No agent yet.");
  }

  function draw(view) {
    totals(view);
    picture(view);
    tables(view);
    status.classList.remove("stale");
    status.textContent = "Live · " + new Date(view.at).toLocaleTimeString();
  }

  function stale(words) {
    status.classList.add("stale");
    status.textContent = words;
  }

  function tick() {
    fetch(source, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") !== 0) {
          window.location.assign(login);
          return null;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (text) {
        if (text === null) {
          return;
        }
        failures = 0;
        if (text !== last) {
          last = text;
          draw(JSON.parse(text));
        }
        window.setTimeout(tick, poll);
      })
      .catch(function () {
        failures += 1;
        stale("The live picture could not be refreshed; trying again…");
        window.setTimeout(tick, Math.min(poll * (failures + 1), 10000));
      });
  }

  tick();
})();
