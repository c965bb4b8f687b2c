// dom.js — small DOM helpers shared by the side panels: text-only elements and tables (every
// value shown comes from the database, so nothing is ever set as HTML).

// Makes an element with text content and a class.
export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// A link-styled button that calls fn; its text is shown as given.
export function action(text, title, fn) {
  const b = el("button", text, "link");
  b.type = "button";
  if (title) b.title = title;
  b.onclick = fn;
  return b;
}

// A table: a header of columns, then rows whose cells are text or elements.
export function table(columns, rows, cls) {
  const t = el("table", undefined, cls);
  const head = t.createTHead().insertRow();
  for (const c of columns) head.appendChild(el("th", c));
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const v of r) {
      const td = tr.insertCell();
      if (v instanceof Node) td.appendChild(v);
      else td.textContent = v === null || v === undefined ? "" : String(v);
    }
  }
  return t;
}
