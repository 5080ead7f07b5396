// exchsim's page behaviour, from a static file: the Content-Security-Policy allows no inline script or handler.

// Copy buttons: <button data-copy="#id">; works without a library and degrades to selectable text.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.querySelector(button.dataset.copy);
  navigator.clipboard.writeText(source.innerText).then(function () { button.textContent = "Copied"; });
});

// <form data-confirm="question">: ask before it is sent.
document.addEventListener("submit", function (event) {
  var question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// <select data-autosubmit>: choosing an option sends its form (the form's button still works without script).
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
});

// htmx swaps nothing when a request fails; say so instead of leaving the click without an answer.
function showRequestError(text) {
  var box = document.getElementById("request-error");
  box.textContent = text;
  box.hidden = false;
}
document.addEventListener("htmx:beforeRequest", function () { document.getElementById("request-error").hidden = true; });
document.addEventListener("htmx:responseError", function (event) {
  var page = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  var reason = page.querySelector("main h1 + p");  // 403.html, 403_csrf.html and 404.html say why there
  showRequestError("That didn't work (" + event.detail.xhr.status + "): " +
    (reason ? reason.textContent : "the server refused the request.") + " Reload the page and try again.");
});
document.addEventListener("htmx:sendError", function () {
  showRequestError("The dashboard can't be reached. Check that it is still running, then try again.");
});

// <form data-upload-progress>: send it with a progress bar (uploads of logs can be large). Without script the form
// posts as usual; the server's answer is followed (a redirect) or its form, with the errors, replaces this one.
// The request follows the redirect itself, so the page it got is shown as it is (loading the URL again would lose
// the one-time message that says what was read).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form[data-upload-progress]") || event.defaultPrevented) return;
  event.preventDefault();
  var bar = form.querySelector(".upload-progress");
  var button = form.querySelector("button[type=submit]");
  bar.hidden = false;
  button.disabled = true;
  var request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", function (progress) {
    if (progress.lengthComputable) bar.value = Math.round(100 * progress.loaded / progress.total);
  });
  request.addEventListener("load", function () {
    var page = new DOMParser().parseFromString(request.responseText, "text/html");
    if (request.status < 400) {
      if (!page.querySelector("main")) { window.location.assign(request.responseURL); return; }
      history.replaceState(null, "", request.responseURL);  // (pushed, Back would keep this content)
      document.title = page.title;
      document.body.replaceWith(page.body);  // the whole body: a new lab's page has its own menu
      if (window.htmx) window.htmx.process(document.body);  // its polling parts (a reading in the background)
      window.scrollTo(0, 0);
      return;
    }
    var answer = page.querySelector("form[data-upload-progress]");
    if (answer) form.replaceWith(answer); else showRequestError("The upload was refused (" + request.status + ").");
  });
  request.addEventListener("error", function () {
    button.disabled = false;
    showRequestError("The dashboard can't be reached. Check that it is still running, then try again.");
  });
  request.send(new FormData(form));
});
