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
