// Accessible names for the admin's autocomplete boxes (Django's select2): select2
// leaves its combobox, its text box and its search field without one (axe:
// aria-input-field-name, label). Each takes the name of the field it stands for:
// its <label>, or in a table row the aria-label its column heading gave it.
function fieldName(select) {
  const label = select.id && document.querySelector(`label[for="${select.id}"]`);
  const text = label ? label.textContent : select.getAttribute("aria-label") || "";
  return text.replace(/:\s*$/, "").trim();
}

function nameBoxes(root) {
  for (const select of root.querySelectorAll("select.admin-autocomplete")) {
    const box = select.nextElementSibling;
    if (!box || !box.classList.contains("select2")) continue;
    const name = fieldName(select);
    if (!name) continue;
    for (const part of box.querySelectorAll(
      ".select2-selection, .select2-selection__rendered[role=textbox], .select2-search__field"
    )) {
      part.removeAttribute("aria-labelledby");
      part.setAttribute("aria-label", name);
    }
  }
}

// Django starts select2 when jQuery is ready (asynchronously), and again for each
// row added: name the boxes whenever new elements appear.
new MutationObserver(() => nameBoxes(document)).observe(document.body, {
  childList: true,
  subtree: true,
});
nameBoxes(document);
