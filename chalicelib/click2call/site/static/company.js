// Ringflow click-to-call company pages: ask before a form marked data-confirm acts, copy a
// snippet to the clipboard, and reload a page marked data-refresh (the live list) every so
// many seconds while nobody is typing in it.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy]");
  if (!button) {
    return;
  }
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) {
    return;
  }
  var text = source.value !== undefined ? source.value : source.textContent;
  var done = function () {
    button.textContent = "Copied";
  };
  // without the clipboard's API (or its permission) the text is selected and copied the old
  // way; when even that is refused it stays selected for the person to copy
  var fallback = function () {
    if (source.select) {
      source.select();
      if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
});

(function () {
  var seconds = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  if (!seconds) {
    return;
  }
  window.setInterval(function () {
    var active = document.activeElement;
    var typing = active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
    if (!typing && !document.hidden) {
      window.location.reload();
    }
  }, seconds * 1000);
})();
