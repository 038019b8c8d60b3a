// The story body's editor (articles/desk.py, MarkdownEditor): progressive
// enhancement of a plain textarea. It shows the formatting toolbar (the vendored
// <markdown-toolbar> element inserts the Markdown) and a live preview that the
// server renders exactly as readers get it. It also warns before leaving a story
// page with edits not yet saved. Without JavaScript none of this appears and the
// textarea works as before.
const DELAY_MS = 400;

function enhance(editor) {
  const form = editor.closest("form");
  const textarea = editor.querySelector("textarea");
  const toolbar = editor.querySelector("markdown-toolbar");
  const preview = editor.querySelector(".md-preview");
  const output = editor.querySelector("[data-md-preview]");
  const status = editor.querySelector(".md-preview-status");
  const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  let timer = null;
  let controller = null;
  let shown = null;

  async function refresh() {
    const text = textarea.value;
    if (text === shown) return;
    if (controller) controller.abort();
    controller = new AbortController();
    const body = new FormData();
    body.append("body", text);
    try {
      const response = await fetch(editor.dataset.previewUrl, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": token },
        credentials: "same-origin",
        signal: controller.signal,
      });
      const answer = await response.text();
      if (response.ok) {
        output.innerHTML = answer; // sanitised by the server (rendering.render_body)
        shown = text;
        status.textContent = "";
      } else {
        status.textContent = response.status === 400 ? answer : "Preview not updated.";
      }
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = "Preview not updated.";
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  }

  textarea.addEventListener("input", soon);
  toolbar.addEventListener("click", soon);
  toolbar.addEventListener("keydown", soon);
  toolbar.hidden = false;
  preview.hidden = false;
  editor.classList.add("md-editor-live");
  refresh();
}

function warnBeforeLeaving(form) {
  let unsaved = false;
  form.addEventListener("input", () => { unsaved = true; });
  form.addEventListener("change", () => { unsaved = true; });
  form.addEventListener("submit", () => { unsaved = false; });
  window.addEventListener("beforeunload", (event) => {
    if (unsaved) event.preventDefault();
  });
}

for (const editor of document.querySelectorAll("[data-md-editor]")) {
  enhance(editor);
  warnBeforeLeaving(editor.closest("form"));
}
