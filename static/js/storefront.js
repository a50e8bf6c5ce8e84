// Storefront enhancements (store and product pages). Progressive only: without JavaScript the
// sort form has a button (the share button is dukaan.js's, as on every page). A file, not an inline <script>: the
// Content-Security-Policy allows scripts from 'self' only, and the storefront's cached pages are
// shared by every visitor, so they cannot carry a per-request nonce.
(function () {
  document.documentElement.classList.add("js");
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
