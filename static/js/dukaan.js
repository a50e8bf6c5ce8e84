// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = button.getAttribute("data-copy");
  const done = () => { const label = button.textContent; button.textContent = button.getAttribute("data-copied") || "Copied!"; setTimeout(() => { button.textContent = label; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    const field = document.createElement("textarea");
    field.value = text; document.body.appendChild(field); field.select();
    document.execCommand("copy"); field.remove(); done();
  }
});
// A share link ([data-share]) opens the phone's share sheet where there is one; without it (or
// without JavaScript) it stays a WhatsApp link.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-share]");
  if (!link || !navigator.share) return;
  event.preventDefault();
  // Rejected when the shopper closes the share sheet: nothing to do.
  navigator.share({title: link.dataset.shareTitle, url: link.dataset.shareUrl}).catch(() => {});
});
// The poster's print button ([data-print]).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
// Checkout: show the breakdown and total of the payment method chosen (an online payment may have
// another delivery fee). Without JavaScript the preselected method's breakdown is shown.
document.addEventListener("change", (event) => {
  const radio = event.target.closest("input[name='payment_method']");
  if (!radio) return;
  document.querySelectorAll(".co-breakdown[data-method], .co-place-total[data-method]").forEach((block) => {
    block.hidden = block.dataset.method !== radio.value;
  });
});
