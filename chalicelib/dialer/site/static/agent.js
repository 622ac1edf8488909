// Ringflow dialer agent's page: ask the page's JSON (data-now) every data-poll milliseconds for
// the agent's state and call, and show what changed without a reload: the state panel when the
// state changed, the call panel when the call changed (so notes being typed for a call stay
// while it goes from the call to its wrap-up). A session that ended reloads the page (the login).
(function () {
  var body = document.body;
  var url = body.getAttribute("data-now");
  var every = parseInt(body.getAttribute("data-poll") || "0", 10);
  var statePanel = document.getElementById("state-panel");
  var callPanel = document.getElementById("call-panel");
  if (!url || !every || !statePanel || !callPanel) {
    return;
  }
  var busy = false;

  function typingIn(panel) {
    var active = document.activeElement;
    return active && panel.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
  }

  function show(now) {
    if (now.gone) {
      window.location.reload();
      return;
    }
    if (statePanel.getAttribute("data-signature") !== now.signature && !typingIn(statePanel)) {
      statePanel.innerHTML = now.state_html;
      statePanel.setAttribute("data-signature", now.signature);
    }
    if (callPanel.getAttribute("data-call") !== now.call_ref) {
      callPanel.innerHTML = now.call_html;
      callPanel.setAttribute("data-call", now.call_ref);
    }
  }

  function ask() {
    if (busy) {
      return;
    }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        var json = (answer.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!answer.ok || !json) {
          window.location.reload();
          return null;
        }
        return answer.json();
      })
      .then(function (now) {
        if (now) {
          show(now);
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
      });
  }

  window.setInterval(ask, every);
})();
