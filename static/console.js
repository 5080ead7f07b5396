// The console page: Enter runs the command (Shift+Enter for a new line); ↑/↓ walk the history, as in the shell.
document.addEventListener("keydown", function (event) {
  var box = event.target;
  if (box.id !== "id_command") return;
  var history = box.dataset.history ? box.dataset.history.split("\n\u001e") : [];
  if (box.dataset.pos === undefined) box.dataset.pos = history.length;
  var pos = Number(box.dataset.pos);
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); box.form.requestSubmit(); }
  else if (event.key === "ArrowUp" && pos > 0 && !box.value.includes("\n")) { event.preventDefault(); box.dataset.pos = --pos; box.value = history[pos]; }
  else if (event.key === "ArrowDown" && pos < history.length && !box.value.includes("\n")) { event.preventDefault(); box.dataset.pos = ++pos; box.value = history[pos] || ""; }
});
document.addEventListener("htmx:afterSwap", function () {
  var out = document.getElementById("console-output"); if (out) out.scrollTop = out.scrollHeight;
  var box = document.getElementById("id_command"); if (box) box.focus();
});
