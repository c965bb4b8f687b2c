// keys.js — the page's keyboard shortcuts, one table that both runs them and lists them (`?`).

// Whether the key press belongs to something being typed into.
function typing(ev) {
  const t = ev.composedPath()[0];
  return t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
}

// Installs shortcuts: [{ key, label, run }], key as KeyboardEvent.key ("?", "f", "Escape").
// Keys with Ctrl, Alt or Meta, keys typed into a field and keys while a dialog is open are left
// alone. Returns the list for the help dialog.
export function installShortcuts(shortcuts) {
  const byKey = new Map(shortcuts.map((s) => [s.key, s]));
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return; // the dialog has the keys; Escape closes it
    if (typing(ev)) return; // Escape there closes the editor's completion, not the selection
    const s = byKey.get(ev.key);
    if (!s) return;
    ev.preventDefault();
    s.run();
  });
  return shortcuts;
}

// Fills the <dialog> with the shortcuts (and the editor's own keys) and opens it.
export function showShortcuts(dialog, shortcuts, extra) {
  const rows = [...shortcuts.map((s) => [s.key === " " ? "Space" : s.key, s.label]), ...extra];
  const table = document.createElement("table");
  for (const [k, what] of rows) {
    const tr = table.insertRow();
    const kbd = document.createElement("kbd");
    kbd.textContent = k;
    tr.insertCell().appendChild(kbd);
    tr.insertCell().textContent = what;
  }
  const title = document.createElement("h2");
  title.textContent = "Keyboard shortcuts";
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.onclick = () => dialog.close();
  dialog.replaceChildren(title, table, close);
  dialog.showModal();
}
