// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = button.getAttribute("data-copy");
  const done = () => { const label = button.textContent; button.textContent = "Copied!"; setTimeout(() => { button.textContent = label; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    const field = document.createElement("textarea");
    field.value = text; document.body.appendChild(field); field.select();
    document.execCommand("copy"); field.remove(); done();
  }
});
