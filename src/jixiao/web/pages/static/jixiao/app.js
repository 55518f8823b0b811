// What the pages do in the browser beyond htmx, kept out of the HTML: the
// Content-Security-Policy allows scripts from this site's files only, never inline
// (docs/security.md).
"use strict";

// A filter that applies itself when its choice changes (the audit log's 操作), instead of an
// inline onchange handler. Without scripts, the form's own button does the same.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change")) {
    field.form?.requestSubmit();
  }
});
