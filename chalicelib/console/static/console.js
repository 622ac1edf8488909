// Ringflow console: draws a flow from the drawing JSON the server gives (nodes with their size,
// edges with their output), laid out by dagre (vendored, global `dagre`), as SVG: one <g
// data-node> per node (classes unreachable, problem, current, start ...), one <g data-edge=
// "from:output:to"> per edge with its label. On a flow's page it polls the calls in progress
// and highlights the node each is at, and replays a finished call step by step; on the compare
// page it draws two versions side by side; on the draft page it posts the pasted document and
// draws what comes back. No framework and no inline script or style (the pages' CSP).
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var body = document.body;
  var status = document.getElementById("status");
  var login = body.getAttribute("data-login");

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

  function count(n, noun) {
    return n + " " + noun + (n === 1 ? "" : "s");
  }

  function say(text, stale) {
    if (status) {
      status.textContent = text;
      status.classList.toggle("stale", !!stale);
    }
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (answer.redirected && login && answer.url.indexOf(login) === 0) {
          window.location.assign(login);
          throw new Error("logged out");
        }
        return answer.json().then(function (data) {
          if (!answer.ok) {
            throw new Error(data.detail || "the console answered " + answer.status);
          }
          return data;
        });
      });
  }

  function edgeKey(edge) {
    return edge.from + ":" + edge.output + ":" + edge.to;
  }

  function curve(points) {
    var d = "M" + points[0].x + "," + points[0].y;
    if (points.length === 2) {
      return d + " L" + points[1].x + "," + points[1].y;
    }
    for (var i = 1; i < points.length - 1; i += 1) {
      var mid = {
        x: (points[i].x + points[i + 1].x) / 2,
        y: (points[i].y + points[i + 1].y) / 2
      };
      var end = i === points.length - 2 ? points[i + 1] : mid;
      d += " Q" + points[i].x + "," + points[i].y + " " + end.x + "," + end.y;
    }
    return d;
  }

  // Draw `picture` into `holder` (emptied first); returns the <svg>.
  function draw(holder, picture, prefix) {
    holder.textContent = "";
    if (!picture.nodes.length) {
      holder.appendChild(el("p", { class: "muted empty" }, "No node to draw."));
      return null;
    }
    var graph = new dagre.graphlib.Graph({ multigraph: true });
    graph.setGraph({ rankdir: "TB", nodesep: 36, ranksep: 56, edgesep: 16, marginx: 16, marginy: 16 });
    graph.setDefaultEdgeLabel(function () { return {}; });
    picture.nodes.forEach(function (node) {
      graph.setNode(node.id, { width: node.width, height: node.height });
    });
    picture.edges.forEach(function (edge) {
      graph.setEdge(edge.from, edge.to, {
        width: 7 * edge.output.length + 12, height: 18, labelpos: "c"
      }, edge.output);
    });
    dagre.layout(graph);
    var size = graph.graph();
    var width = Math.ceil(size.width || 400);
    var height = Math.ceil(size.height || 200);
    var root = svg("svg", {
      viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": "The flow " + (picture.flow_id || "") + " drawn"
    });
    var marker = prefix + "-arrow";
    var defs = svg("defs");
    var arrow = svg("marker", {
      id: marker, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
      orient: "auto-start-reverse"
    });
    arrow.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }));
    defs.appendChild(arrow);
    root.appendChild(defs);
    var edges = svg("g", { class: "edges" });
    picture.edges.forEach(function (edge) {
      var laid = graph.edge(edge.from, edge.to, edge.output);
      var group = svg("g", {
        class: "edge" + (edge.missing ? " missing" : ""), "data-edge": edgeKey(edge),
        "data-output": edge.output
      });
      group.appendChild(svg("path", { d: curve(laid.points), "marker-end": "url(#" + marker + ")" }));
      var w = 7 * edge.output.length + 10;
      group.appendChild(svg("rect", { x: laid.x - w / 2, y: laid.y - 9, width: w, height: 18, rx: 4, class: "label-box" }));
      group.appendChild(svg("text", { x: laid.x, y: laid.y + 1, class: "label" }, edge.output));
      edges.appendChild(group);
    });
    var nodes = svg("g", { class: "nodes" });
    picture.nodes.forEach(function (node) {
      var laid = graph.node(node.id);
      var x = laid.x - node.width / 2;
      var y = laid.y - node.height / 2;
      var classes = ["node", "tone-" + node.tone];
      if (!node.reachable) { classes.push("unreachable"); }
      if (node.problems.length) { classes.push("problem"); }
      if (node.start) { classes.push("start"); }
      if (node.after_call) { classes.push("after-call"); }
      if (node.in_after_call) { classes.push("in-after-call"); }
      if (node.missing) { classes.push("missing"); }
      if (node.change) { classes.push("change-" + node.change); }
      var group = svg("g", {
        class: classes.join(" "), "data-node": node.id, "data-widget": node.widget,
        transform: "translate(" + x + "," + y + ")"
      });
      var tip = node.id + " (" + (node.widget || "missing") + ")";
      if (node.setting) { tip += "\n" + node.setting; }
      node.problems.forEach(function (problem) { tip += "\n⚠ " + problem; });
      group.appendChild(svg("title", {}, tip));
      group.appendChild(svg("rect", { class: "box", width: node.width, height: node.height, rx: 8 }));
      group.appendChild(svg("rect", { class: "band", width: 6, height: node.height, rx: 3 }));
      node.lines.forEach(function (line, index) {
        var kind = index === 0 ? "id" : index === 1 ? "widget" : "setting";
        if (index === 2 && node.label) { kind = "node-label"; }
        group.appendChild(svg("text", { x: 16, y: 12 + 16 * index + 10, class: kind }, line));
      });
      if (node.start || node.after_call) {
        var tag = node.start ? "start" : "after call";
        var tw = 8 * tag.length + 8;
        group.appendChild(svg("rect", { class: "tag", x: node.width - tw - 6, y: -9, width: tw, height: 18, rx: 9 }));
        group.appendChild(svg("text", { class: "tag-text", x: node.width - tw / 2 - 6, y: 1 }, tag));
      }
      if (node.problems.length) {
        var badge = svg("g", { class: "badge", transform: "translate(" + (node.width - 4) + "," + (node.height - 4) + ")" });
        badge.appendChild(svg("circle", { r: 10 }));
        badge.appendChild(svg("text", { y: 1 }, "!" + (node.problems.length > 1 ? node.problems.length : "")));
        group.appendChild(badge);
      }
      nodes.appendChild(group);
    });
    root.appendChild(edges);
    root.appendChild(nodes);
    holder.appendChild(root);
    return root;
  }

  function listProblems(picture) {
    var box = document.getElementById("problems");
    var list = document.getElementById("problem-list");
    if (!box || !list) { return; }
    list.textContent = "";
    picture.problems.forEach(function (text) {
      list.appendChild(el("li", { class: "flow-problem" }, text));
    });
    picture.nodes.forEach(function (node) {
      node.problems.forEach(function (text) {
        list.appendChild(el("li", { class: "node-problem", "data-node": node.id }, text));
      });
    });
    if (picture.more_problems) {
      list.appendChild(el("li", { class: "muted" }, count(picture.more_problems, "more problem") + " not shown"));
    }
    box.hidden = list.children.length === 0;
  }

  function mark(root, selector, cls, on) {
    if (!root) { return; }
    Array.prototype.forEach.call(root.querySelectorAll(selector), function (node) {
      node.classList.toggle(cls, on);
    });
  }

  function cssId(text) {
    return String(text).replace(/["\\]/g, "\\$&");
  }

  // ---- a flow's page -------------------------------------------------------------------------
  function flowPage() {
    var holder = document.getElementById("picture");
    var root = null;
    var drawnVersion = null;
    var flowDrawing = null;
    var poll = parseInt(body.getAttribute("data-poll") || "500", 10);
    var failures = 0;
    var replay = null;

    function show(picture) {
      root = draw(holder, picture, "flow");
      drawnVersion = picture.version;
      listProblems(picture);
    }

    getJson(body.getAttribute("data-drawing")).then(function (picture) {
      flowDrawing = picture;
      show(picture);
      say("Version " + picture.version + (picture.live ? " (live)" : "") + ": " +
          picture.nodes.length + " nodes, " + picture.edges.length + " edges.");
      live();
      recent();
    }).catch(function (error) { say("The flow could not be drawn: " + error.message, true); });

    function live() {
      getJson(body.getAttribute("data-live")).then(function (data) {
        failures = 0;
        var here = {};
        var tbody = document.querySelector("#live tbody");
        tbody.textContent = "";
        data.calls.forEach(function (call) {
          if (call.node && call.version === drawnVersion) { here[call.node] = true; }
          var row = el("tr", { "data-call": call.call_id, "data-node": call.node || "" });
          row.appendChild(el("td", {}, call.call_id.slice(0, 8)));
          row.appendChild(el("td", {}, call.from));
          row.appendChild(el("td", {}, call.version));
          row.appendChild(el("td", { class: "at" }, call.node || "–"));
          row.appendChild(el("td", {}, call.seconds + " s"));
          tbody.appendChild(row);
        });
        if (!data.calls.length) {
          var empty = el("tr", { class: "empty" });
          empty.appendChild(el("td", { colspan: "5" }, "No call is on this flow now."));
          tbody.appendChild(empty);
        }
        if (root) {
          Array.prototype.forEach.call(root.querySelectorAll("g[data-node]"), function (node) {
            node.classList.toggle("current", !!here[node.getAttribute("data-node")]);
          });
        }
      }).catch(function () {
        failures += 1;
      }).then(function () {
        window.setTimeout(live, failures > 3 ? poll * 4 : poll);
      });
    }

    function recent() {
      getJson(body.getAttribute("data-recent")).then(function (data) {
        var tbody = document.querySelector("#recent tbody");
        if (!data.calls.length) { return; }
        tbody.textContent = "";
        data.calls.forEach(function (call) {
          var row = el("tr", { "data-call": call.call_id });
          row.appendChild(el("td", {}, call.started_at.replace("T", " ").slice(0, 19)));
          row.appendChild(el("td", {}, call.from));
          row.appendChild(el("td", {}, call.outcome));
          row.appendChild(el("td", {}, call.steps));
          var cell = el("td");
          var button = el("button", { type: "button", class: "replay", "data-call": call.call_id }, "Replay");
          button.addEventListener("click", function () { startReplay(call.call_id); });
          cell.appendChild(button);
          row.appendChild(cell);
          tbody.appendChild(row);
        });
      }).catch(function () { return null; });
    }

    function startReplay(callId) {
      getJson(body.getAttribute("data-call") + encodeURIComponent(callId)).then(function (call) {
        stop();
        if (call.version !== drawnVersion) {
          show(Object.assign({}, call.drawing, { version: call.version }));
        }
        replay = { call: call, at: -1, timer: null };
        document.getElementById("player").hidden = false;
        document.getElementById("replay-title").textContent = "Call " + call.call_id + " from " +
          call.from + " (" + call.outcome + ", version " + call.version + ")";
        var list = document.getElementById("replay-steps");
        list.textContent = "";
        call.steps.forEach(function (step, index) {
          var text = step.node + (step.output ? " → " + step.output : "") +
            (step.heard ? " (heard " + step.heard + ")" : "") + " at " + step.at + " s";
          list.appendChild(el("li", { "data-step": String(index) }, text));
        });
        stepTo(0);
      }).catch(function (error) { say("The call could not be replayed: " + error.message, true); });
    }

    function stepTo(index) {
      if (!replay) { return; }
      var steps = replay.call.steps;
      if (index < 0 || index >= steps.length) { return; }
      replay.at = index;
      var step = steps[index];
      mark(root, "g[data-node].replaying", "replaying", false);
      mark(root, "g[data-edge].taken", "taken", false);
      mark(root, 'g[data-node="' + cssId(step.node) + '"]', "replaying", true);
      var next = steps[index + 1];
      if (step.output && next) {
        mark(root, 'g[data-edge="' + cssId(step.node + ":" + step.output + ":" + next.node) + '"]', "taken", true);
      } else if (step.output) {
        mark(root, 'g[data-edge^="' + cssId(step.node + ":" + step.output + ":") + '"]', "taken", true);
      }
      Array.prototype.forEach.call(document.querySelectorAll("#replay-steps li"), function (li) {
        li.classList.toggle("at", li.getAttribute("data-step") === String(index));
      });
      body.setAttribute("data-replay-step", String(index));
    }

    function stop() {
      if (replay && replay.timer) {
        window.clearInterval(replay.timer);
        replay.timer = null;
      }
      document.getElementById("replay-play").textContent = "Play";
    }

    document.getElementById("replay-step").addEventListener("click", function () {
      stop();
      if (replay) { stepTo(replay.at + 1); }
    });
    document.getElementById("replay-back").addEventListener("click", function () {
      stop();
      if (replay) { stepTo(replay.at - 1); }
    });
    document.getElementById("replay-play").addEventListener("click", function () {
      if (!replay) { return; }
      if (replay.timer) { stop(); return; }
      if (replay.at >= replay.call.steps.length - 1) { stepTo(0); }
      this.textContent = "Pause";
      replay.timer = window.setInterval(function () {
        if (replay.at >= replay.call.steps.length - 1) { stop(); return; }
        stepTo(replay.at + 1);
      }, 900);
    });
    return flowDrawing;
  }

  // ---- two versions side by side ---------------------------------------------------------------
  function comparePage() {
    getJson(body.getAttribute("data-changes")).then(function (data) {
      draw(document.getElementById("old"), data.old, "old");
      draw(document.getElementById("new"), data.new, "new");
      var list = document.getElementById("change-list");
      var changes = data.changes;
      changes.added.forEach(function (id) { list.appendChild(el("li", { class: "added" }, "added " + id)); });
      changes.removed.forEach(function (id) { list.appendChild(el("li", { class: "removed" }, "removed " + id)); });
      changes.changed.forEach(function (id) {
        list.appendChild(el("li", { class: "changed" }, "changed " + id + ": " + changes.fields[id].join(", ")));
      });
      if (changes.start_moved) { list.appendChild(el("li", { class: "changed" }, "the start moved")); }
      if (changes.after_call_moved) { list.appendChild(el("li", { class: "changed" }, "the after-call chain moved")); }
      say(list.children.length ? count(list.children.length, "change") + "." : "The two versions are the same.");
    }).catch(function (error) { say("The versions could not be drawn: " + error.message, true); });
  }

  // ---- the draft check ---------------------------------------------------------------------------
  function draftPage() {
    var form = document.getElementById("draft-form");
    var file = document.getElementById("draft-file");
    var text = document.getElementById("document");
    file.addEventListener("change", function () {
      if (!file.files || !file.files[0]) { return; }
      file.files[0].text().then(function (content) { text.value = content; });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = new URLSearchParams(new FormData(form));
      say("Checking…");
      fetch(form.getAttribute("action"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: fields.toString()
      }).then(function (answer) {
        var type = answer.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") !== 0 && type.indexOf("application/problem+json") !== 0) {
          throw new Error(answer.status === 413 ? "the document is too large to check" :
            answer.status === 403 ? "the form expired: reload the page" :
            "the console answered " + answer.status);
        }
        return answer.json().then(function (data) {
          if (!answer.ok) { throw new Error(data.detail); }
          return data;
        });
      }).then(function (picture) {
        draw(document.getElementById("picture"), picture, "draft");
        listProblems(picture);
        say(picture.valid ?
          "The draft would load" + (picture.problem_count ? ", with " + picture.problem_count + " warnings." : ".") :
          "The draft would be refused: " + count(picture.problem_count, "problem") + ".", !picture.valid);
      }).catch(function (error) {
        document.getElementById("picture").textContent = "";
        listProblems({ problems: [], nodes: [], more_problems: 0 });
        say("Not checked: " + error.message, true);
      });
    });
  }

  if (typeof dagre === "undefined") {
    say("The drawing's layout script did not load.", true);
    return;
  }
  if (body.classList.contains("flow-page")) { flowPage(); }
  if (body.classList.contains("compare-page")) { comparePage(); }
  if (body.classList.contains("draft-page")) { draftPage(); }
})();
