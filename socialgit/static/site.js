// Optional: every page works without this. Adds keyboard paging: "j"/"k" or the arrow keys
// with Alt go to the next/previous month or week (the links marked rel=next/prev), mirrored on a right-to-left page.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) {
      return;
    }
    var rel = null;
    // on a right-to-left page "next" is to the left
    var rtl = document.documentElement.dir === "rtl";
    var forward = rtl ? "ArrowLeft" : "ArrowRight", back = rtl ? "ArrowRight" : "ArrowLeft";
    if (event.key === "j" || (event.altKey && event.key === forward)) rel = "next";
    if (event.key === "k" || (event.altKey && event.key === back)) rel = "prev";
    if (!rel) return;
    var link = document.querySelector(".pager a[rel=" + rel + "]");
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
