/* ESSDAI worksheet: post the form to the server's recompute endpoint and show what it returns.
   No scoring here: every number and sentence comes from the server (scoring.assess). */
(function () {
  "use strict";
  var form = document.getElementById("worksheet");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-recompute");
  var summary = document.getElementById("summary");
  var note = document.getElementById("live-note");
  var printButton = document.getElementById("print");
  var saveButton = document.getElementById("save");
  var timer = null;
  var sequence = 0;

  if (note) { note.hidden = false; }
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }

  function showErrors(errors) {
    var nodes = form.querySelectorAll("[data-error]");
    for (var i = 0; i < nodes.length; i++) {
      var code = nodes[i].getAttribute("data-error");
      var message = errors[code] || "";
      nodes[i].textContent = message;
      nodes[i].hidden = !message;
      var field = form.querySelector("#f-" + code) || nodes[i].parentNode.querySelector("fieldset");
      if (field) {
        if (message) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
      }
    }
  }

  function markEntered() {
    var controls = form.querySelectorAll("[data-control]");
    for (var i = 0; i < controls.length; i++) {
      var inputs = controls[i].querySelectorAll("input, select");
      var entered = false;
      for (var j = 0; j < inputs.length; j++) {
        var el = inputs[j];
        if ((el.type === "radio" || el.type === "checkbox") ? (el.checked && el.value) : el.value) { entered = true; }
      }
      controls[i].classList.toggle("entered", entered);
    }
  }

  function recompute() {
    var mine = ++sequence;
    var body = new URLSearchParams(new FormData(form));
    form.setAttribute("aria-busy", "true");
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "Accept": "application/json" } })
      .then(function (resp) { return resp.json().then(function (data) { return { ok: resp.ok, data: data }; }); })
      .then(function (r) {
        if (mine !== sequence) { return; }  // a newer request is on its way
        form.removeAttribute("aria-busy");
        if (!r.ok) {
          if (note) { note.textContent = "Live totals unavailable (" + (r.data.message || "error") + "); saving still recomputes."; }
          return;
        }
        summary.innerHTML = r.data.summary_html;
        Object.keys(r.data.domains).forEach(function (key) {
          var box = document.getElementById("status-" + key);
          if (box) { box.innerHTML = r.data.domains[key]; }
        });
        showErrors(r.data.errors || {});
        form.setAttribute("data-recomputed", String(mine));
      })
      .catch(function () {
        form.removeAttribute("aria-busy");
        if (note) { note.textContent = "Live totals unavailable (no answer); saving still recomputes."; }
      });
  }

  function schedule() {
    markEntered();
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(recompute, 150);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () {
    if (saveButton) { saveButton.disabled = true; saveButton.textContent = "Saving…"; }
  });
})();
