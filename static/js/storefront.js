// Storefront enhancements (store and product pages). Progressive only: without JavaScript the
// share link opens WhatsApp and the sort form has a button. A file, not an inline <script>: the
// Content-Security-Policy allows scripts from 'self' only, and the storefront's cached pages are
// shared by every visitor, so they cannot carry a per-request nonce.
(function () {
  document.documentElement.classList.add("js");
  document.querySelectorAll("[data-share]").forEach(function (link) {
    if (!navigator.share) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      // Rejected when the shopper closes the share sheet: nothing to do.
      navigator.share({title: link.dataset.shareTitle, url: link.dataset.shareUrl}).catch(function () {});
    });
  });
  // The cart badge: checkout keeps this visitor's count per store in a cookie (dukaan_cart_<store id>).
  document.querySelectorAll("[data-cart-link]").forEach(function (link) {
    var match = document.cookie.match(new RegExp("(?:^|; )dukaan_cart_" + link.dataset.storeId + "=(\\d+)"));
    var count = match ? parseInt(match[1], 10) : 0;
    var badge = link.querySelector("[data-cart-count]");
    badge.textContent = String(count);
    badge.hidden = false;
    link.setAttribute("aria-label", "Cart, " + count + (count === 1 ? " item" : " items"));
  });
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
