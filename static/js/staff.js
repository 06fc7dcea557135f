// Staff decision screens: picking a rejection template fills the reason box, which stays
// editable. Without this file the server uses the template's text when the box is empty.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-reason-template]")) {
    const form = select.closest("form");
    const box = form && form.querySelector("textarea[data-reason-text]");
    if (!box) continue;
    select.addEventListener("change", () => {
      const option = select.options[select.selectedIndex];
      const text = option ? option.dataset.text || "" : "";
      if (text) {
        box.value = text;
        box.focus();
      }
    });
  }
});
