// console.js — the query console: an SQL or Cypher editor, parameters, history and saved
// queries (in local storage), EXPLAIN, and the answer (results.js) or the error.
import { api, sql, cypher, ApiError } from "./api.js";
import { createEditor, detectLanguage } from "./editor.js";
import { Results, isSqlPlan } from "./results.js";

const HISTORY_KEY = "arenadb.console.history";
const SAVED_KEY = "arenadb.console.saved";
const HISTORY_MAX = 200;
const NAMES_MS = 10000; // how long completion reuses the names it looked up

// What completion looks up: relationship types, and the property keys of a sample of nodes
// and edges (a scan of every element would cost as much as the graph is big).
const TYPES_SQL = "SELECT label, count(*) FROM edges GROUP BY label";
const KEYS_SQL = "SELECT j.key FROM (SELECT properties FROM nodes LIMIT 1000) AS s, json_each(s.properties) AS j"
  + " UNION SELECT j.key FROM (SELECT properties FROM edges LIMIT 1000) AS s, json_each(s.properties) AS j ORDER BY 1";

const $ = (id) => document.getElementById(id);

function load(key) {
  try {
    const v = JSON.parse(localStorage.getItem(key));
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

const store = (key, list) => localStorage.setItem(key, JSON.stringify(list));

// A byte offset into the UTF-8 query the server parsed, as an index into the JS string.
function charIndex(text, bytes) {
  const utf8 = new TextEncoder().encode(text);
  return new TextDecoder().decode(utf8.slice(0, bytes)).length;
}

function lineColumn(text, index) {
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

// Wires the console's elements in index.html. onGraph({nodes, edges}) shows graph elements in
// the graph view; onRun() follows every run (so the page can refresh at once after a write).
export function createConsole({ onGraph, onRun }) {
  const results = new Results($("sql-out"), onGraph);
  let lang = "sql";
  let manual = false; // the switch was set by hand for this text, so detection keeps off it
  let step = null; // where Ctrl+Up/Down is in the history, with the draft it left
  let names = null; // {at, value}: completion's last look-up
  let running = false;

  const radios = [...document.querySelectorAll('input[name="console-lang"]')];
  function setLanguage(name) {
    lang = name;
    for (const r of radios) r.checked = r.value === name;
    editor.setLanguage(name);
  }

  async function lookUpNames() {
    if (names && Date.now() - names.at < NAMES_MS) return names.value;
    const quiet = (p, fallback) => p.catch(() => fallback);
    const [labels, types, keys] = await Promise.all([
      quiet(api("GET", "/labels"), []),
      quiet(sql(TYPES_SQL), { rows: [] }),
      quiet(sql(KEYS_SQL), { rows: [] }),
    ]);
    // Cypher's labels are stored joined with ':' (docs/cypher.md): offer each one.
    const parts = new Set(labels.flatMap((l) => (l.label ? l.label.split(":") : [])));
    const value = { labels: [...parts].sort(), types: types.rows.map((r) => r[0]).filter(Boolean), keys: keys.rows.map((r) => r[0]) };
    names = { at: Date.now(), value };
    return value;
  }

  const editor = createEditor($("console-editor"), {
    doc: "SELECT label, count(*) AS n FROM nodes GROUP BY label ORDER BY n DESC",
    onRun: () => run(false),
    onHistory: walkHistory,
    names: lookUpNames,
    onChange(text) {
      if (!text.trim()) manual = false;
      const found = !manual && detectLanguage(text);
      if (found) setLanguage(found);
    },
  });

  function put(entry) {
    editor.setText(entry.text);
    $("console-params").value = entry.params || "";
    manual = false;
    setLanguage(entry.lang || detectLanguage(entry.text) || "sql");
  }

  function remember(entry) {
    const list = load(HISTORY_KEY);
    const last = list[list.length - 1];
    if (!last || last.text !== entry.text || last.lang !== entry.lang || last.params !== entry.params) list.push(entry);
    store(HISTORY_KEY, list.slice(-HISTORY_MAX));
    renderHistory();
  }

  // Ctrl+Up goes back through the history, Ctrl+Down forward and at last to the draft.
  function walkHistory(dir) {
    const list = load(HISTORY_KEY);
    if (!list.length) return;
    if (!step) step = { at: list.length, draft: { text: editor.text(), lang, params: $("console-params").value } };
    const at = Math.max(0, Math.min(list.length, step.at + dir));
    if (at === step.at) return;
    const draft = step.draft;
    put(at === list.length ? draft : list[at]);
    step = at === list.length ? null : { at, draft };
  }

  function entryItem(entry, label, onLoad, onDelete) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#";
    a.textContent = label;
    a.title = entry.text;
    a.className = `load lang-${entry.lang}`;
    a.onclick = (e) => {
      e.preventDefault();
      onLoad();
    };
    li.appendChild(a);
    if (onDelete) {
      const del = document.createElement("button");
      del.type = "button";
      del.className = "small delete";
      del.textContent = "✕";
      del.title = "delete this saved query";
      del.onclick = onDelete;
      li.appendChild(del);
    }
    return li;
  }

  function renderHistory() {
    const list = load(HISTORY_KEY);
    $("console-history").replaceChildren(...list.map((e, i) => entryItem(e, e.text, () => {
      step = null;
      put(e);
      $("history-menu").open = false;
    })).reverse().slice(0, 50));
  }

  function renderSaved() {
    const list = load(SAVED_KEY);
    $("console-saved").replaceChildren(...list.map((e) => entryItem(e, e.name, () => {
      put(e);
      $("saved-menu").open = false;
    }, () => {
      store(SAVED_KEY, load(SAVED_KEY).filter((s) => s.name !== e.name));
      renderSaved();
    })));
    if (!list.length) $("console-saved").textContent = "no saved queries";
  }

  function save() {
    const name = $("console-save-name").value.trim();
    if (!name) {
      $("console-save-name").focus();
      return;
    }
    // A name saved again takes the new text.
    const list = load(SAVED_KEY).filter((s) => s.name !== name);
    list.push({ name, text: editor.text(), lang, params: $("console-params").value });
    list.sort((a, b) => a.name.localeCompare(b.name));
    store(SAVED_KEY, list);
    $("console-save-name").value = "";
    renderSaved();
  }

  // The parameters box as what the language takes: Cypher a JSON object ($name), SQL a JSON
  // array (?1, ?2, …; the server binds no names). Throws a message for anything else.
  function params(text) {
    if (!text.trim()) return undefined;
    let v;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new Error(`the parameters are not JSON: ${e.message}`);
    }
    if (lang === "cypher" && (v === null || typeof v !== "object" || Array.isArray(v))) {
      throw new Error('Cypher takes its parameters as a JSON object, such as {"name": "Ada"} for $name');
    }
    if (lang === "sql" && !Array.isArray(v)) {
      throw new Error('SQL takes its parameters as a JSON array, such as ["Ada", 1815] for ?1 and ?2');
    }
    return v;
  }

  async function run(explain) {
    if (running) return;
    const { text, from } = editor.query();
    if (!text.trim()) return;
    const paramsText = $("console-params").value;
    let p;
    try {
      p = params(paramsText);
    } catch (e) {
      results.error(e.message, {});
      return;
    }
    editor.clearError();
    step = null;
    remember({ text, lang, params: paramsText });
    const prefix = explain ? (lang === "sql" ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") : "";
    const query = prefix + text;
    running = true;
    $("console-run").disabled = $("console-explain").disabled = true;
    const t0 = performance.now();
    try {
      const res = await (lang === "sql" ? sql(query, p) : cypher(query, p));
      const plan = lang === "sql" ? isSqlPlan(res.columns) : /^\s*EXPLAIN\b/i.test(query) && res.columns.join() === "plan";
      results.show(res, { ms: performance.now() - t0, plan });
    } catch (err) {
      const ms = performance.now() - t0;
      const body = err instanceof ApiError ? err.body || {} : {};
      let position = null;
      // A Cypher syntax error names the byte where the parser stopped.
      const at = /\bat offset (\d+)/.exec(err.message);
      if (lang === "cypher" && at) {
        const index = Math.max(0, charIndex(query, Number(at[1])) - prefix.length);
        editor.markError(from + index);
        position = lineColumn(editor.text(), from + index);
      }
      const kind = body.kind ? `${body.kind}${body.detail ? ` (${body.detail})` : ""}` : "";
      const hint = /more than one SQL statement/.test(err.message)
        ? "The console runs one SQL statement at a time: select one statement to run just that."
        : "";
      results.error(err.message, { ms, kind, position, hint });
    } finally {
      running = false;
      $("console-run").disabled = $("console-explain").disabled = false;
    }
    onRun();
  }

  for (const r of radios) {
    r.addEventListener("change", () => {
      manual = true;
      setLanguage(r.value);
    });
  }
  $("sql-form").addEventListener("submit", (e) => {
    e.preventDefault();
    run(false);
  });
  $("console-explain").addEventListener("click", () => run(true));
  $("console-save").addEventListener("click", save);
  $("console-save-name").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      save();
    }
  });
  $("console-params").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run(false);
    }
  });
  renderHistory();
  renderSaved();
  // Puts text in the editor (its language as detected, no parameters) and runs it.
  function runText(text) {
    put({ text, params: "" });
    return run(false);
  }
  return { editor, run, runText };
}
