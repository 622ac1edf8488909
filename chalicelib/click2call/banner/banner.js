// The click-to-call banner: posts the visitor's number and consent to the campaign's request
// route of this origin and says what came of it. No framework, no other origin.
(function () {
  "use strict";
  var form = document.getElementById("c2c");
  if (!form) { return; }
  var result = document.getElementById("result");
  var button = document.getElementById("call-me");

  function say(text, kind) {
    result.textContent = text;
    result.className = kind;
  }

  function accepted(answer) {
    var at = answer.call_at ? new Date(answer.call_at) : null;
    if (at && at.getTime() - Date.now() > 60000) {
      return "Thank you! We will call you when we open, at " + at.toLocaleString() + ".";
    }
    return "Thank you! Your phone will ring in a moment.";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var phone = document.getElementById("phone").value;
    var agree = document.getElementById("agree").checked;
    button.disabled = true;
    say("Sending...", "");
    fetch(form.getAttribute("action"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ phone: phone, agree: agree })
    }).then(function (response) {
      return response.json().then(function (body) { return [response.status, body]; });
    }).then(function (answer) {
      if (answer[0] === 202) {
        say(accepted(answer[1]), "ok");
      } else {
        say(answer[1].detail || "We cannot call you now.", "refused");
      }
    }).catch(function () {
      say("We cannot reach the service now: please try again.", "refused");
    }).then(function () {
      button.disabled = false;
    });
  });
})();
