// editor.js — the query console's editor: CodeMirror 6 with SQL and Cypher highlighting, the
// language auto-detection the shell uses, completion of the graph's names, and an error mark.
import { Compartment, EditorState, Prec, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, drawSelection, keymap, lineNumbers } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { StreamLanguage, bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { autocompletion, closeBrackets, completionKeymap } from "@codemirror/autocomplete";
import { SQLite, sql } from "@codemirror/lang-sql";
import { cypher } from "@codemirror/legacy-modes/mode/cypher";
import { oneDarkHighlightStyle } from "@codemirror/theme-one-dark";

// The words that start a Cypher query, as `arenadb shell` decides (src/cli/shell.c is_cypher).
const CYPHER_START = new Set(["MATCH", "OPTIONAL", "CREATE", "MERGE", "UNWIND", "RETURN", "WITH",
  "CALL", "DETACH", "DELETE", "SET", "REMOVE", "FOREACH", "LOAD"]);
const SQL_CREATE = /^(TABLE|INDEX|VIEW|TRIGGER|TEMP|UNIQUE|VIRTUAL)\b/i;

// "cypher" or "sql" for a query's text, from its first keyword (an EXPLAIN or PROFILE in front
// is looked past, since both languages have EXPLAIN); null for text without a word yet.
export function detectLanguage(text) {
  let s = text.trimStart();
  const explain = /^(EXPLAIN|PROFILE)\s+/i.exec(s);
  if (explain) {
    s = s.slice(explain[0].length);
    if (/^QUERY\s+PLAN\b/i.test(s)) return "sql";
  }
  const m = /^[A-Za-z]+/.exec(s);
  if (!m) return null;
  const word = m[0].toUpperCase();
  if (!CYPHER_START.has(word)) return "sql";
  const next = s.slice(word.length).trimStart();
  if (word === "CREATE" && SQL_CREATE.test(next)) return "sql";
  if (word === "DELETE" && /^FROM\b/i.test(next)) return "sql";
  if (word === "WITH" && /\bSELECT\b/i.test(s)) return "sql";
  return "cypher";
}

const CYPHER_KEYWORDS = ["MATCH", "OPTIONAL MATCH", "WHERE", "RETURN", "WITH", "UNWIND", "CREATE",
  "MERGE", "ON CREATE SET", "ON MATCH SET", "SET", "REMOVE", "DELETE", "DETACH DELETE", "ORDER BY",
  "SKIP", "LIMIT", "DISTINCT", "AS", "AND", "OR", "XOR", "NOT", "IN", "IS NULL", "IS NOT NULL",
  "STARTS WITH", "ENDS WITH", "CONTAINS", "CASE", "WHEN", "THEN", "ELSE", "END", "UNION",
  "UNION ALL", "CALL", "YIELD", "EXPLAIN", "PROFILE", "FOREACH", "ASC", "DESC", "true", "false", "null"];
const CYPHER_FUNCTIONS = ["abs", "all", "any", "avg", "ceil", "coalesce", "collect", "count",
  "date", "datetime", "duration", "elementId", "endNode", "exists", "exp", "floor", "head", "id",
  "keys", "labels", "last", "left", "length", "localdatetime", "localtime", "log", "ltrim", "max",
  "min", "nodes", "none", "percentileCont", "percentileDisc", "properties", "rand", "range",
  "reduce", "relationships", "replace", "reverse", "right", "round", "rtrim", "sign", "single",
  "size", "split", "sqrt", "startNode", "stDev", "substring", "sum", "tail", "time", "timestamp",
  "toBoolean", "toFloat", "toInteger", "toLower", "toString", "toUpper", "trim", "type"];
const cypherWords = [
  ...CYPHER_KEYWORDS.map((label) => ({ label, type: "keyword" })),
  ...CYPHER_FUNCTIONS.map((label) => ({ label, type: "function", apply: `${label}(` })),
];

// The views SQL sees (README), for lang-sql's own table and column completion.
const SQL_SCHEMA = {
  nodes: ["id", "label", "properties"],
  edges: ["id", "source_node_id", "target_node_id", "label", "properties"],
};

const languages = {
  sql: sql({ dialect: SQLite, upperCaseKeywords: true, schema: SQL_SCHEMA }),
  cypher: StreamLanguage.define(cypher),
};

// Completes the graph's labels, relationship types and property keys (from names(), which
// resolves with {labels, types, keys}), and Cypher's keywords and functions; lang-sql completes
// SQL's keywords itself. After ':' only labels and types fit, after '.' only property keys.
function completions(names, lang) {
  return async (ctx) => {
    const word = ctx.matchBefore(/[\w$]*/);
    const before = ctx.state.sliceDoc(word.from - 1, word.from);
    if (word.from === word.to && !ctx.explicit && before !== ":" && before !== ".") return null;
    const n = await names();
    const labels = n.labels.map((label) => ({ label, type: "class", detail: "label" }));
    const types = n.types.map((label) => ({ label, type: "type", detail: "relationship" }));
    const keys = n.keys.map((label) => ({ label, type: "property", detail: "property" }));
    let options;
    if (before === ":") options = [...labels, ...types];
    else if (before === ".") options = keys;
    else options = [...labels, ...types, ...keys, ...(lang() === "cypher" ? cypherWords : [])];
    return { from: word.from, options, validFor: /^[\w$]*$/ };
  };
}

const setError = StateEffect.define();
const errorMark = Decoration.mark({ class: "cm-error-mark" });

// The span of an error the server pointed at; gone at the next edit.
const errorField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) marks = Decoration.none;
    for (const e of tr.effects) {
      if (e.is(setError)) marks = e.value ? Decoration.set([errorMark.range(e.value.from, e.value.to)]) : Decoration.none;
    }
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// Styles live here, not in app.css: the editor sits in a shadow root (see createEditor).
// The page's colour variables (app.css) reach into the shadow root, so one theme serves light
// and dark; only the syntax colours are swapped (setDark).
const theme = EditorView.theme({
  "&": { fontSize: "12px", color: "var(--fg)", background: "var(--panel)", border: "1px solid var(--border-strong)", height: "100%" },
  "&.cm-focused": { outline: "1px solid #6b8bb0" },
  ".cm-scroller": { fontFamily: "ui-monospace, monospace", overflow: "auto" },
  ".cm-content": { caretColor: "var(--fg)" },
  ".cm-cursor": { borderLeftColor: "var(--fg)" },
  ".cm-gutters": { background: "var(--th-bg)", color: "var(--faint)", border: "none" },
  ".cm-error-mark": { textDecoration: "underline wavy var(--error)", background: "#f0305018" },
  ".cm-tooltip": { background: "var(--panel)", color: "var(--fg)", border: "1px solid var(--border-strong)" },
});

const highlight = {
  light: syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  dark: syntaxHighlighting(oneDarkHighlightStyle),
};

// Makes the editor inside host. It lives in a shadow root because the server's
// Content-Security-Policy refuses inline <style> elements, and there CodeMirror's styles go
// into constructed style sheets instead. Calls onRun() on Ctrl+Enter, onHistory(-1 or +1) on
// Ctrl+Up/Down, onChange(text) on every edit, and names() for completion.
export function createEditor(host, { doc, onRun, onHistory, onChange, names }) {
  const shadow = host.attachShadow({ mode: "open" });
  const lang = new Compartment();
  const colours = new Compartment();
  let current = "sql";
  // One function for the editor's life: completion tells its sources apart by identity.
  const complete = completions(names, () => current);
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc,
      extensions: [
        Prec.highest(keymap.of([
          { key: "Mod-Enter", run: () => (onRun(), true) },
          { key: "Ctrl-ArrowUp", run: () => (onHistory(-1), true) },
          { key: "Ctrl-ArrowDown", run: () => (onHistory(1), true) },
        ])),
        lineNumbers(),
        history(),
        drawSelection(),
        bracketMatching(),
        closeBrackets(),
        colours.of(highlight.light),
        autocompletion(),
        EditorState.languageData.of(() => [{ autocomplete: complete }]),
        keymap.of([...completionKeymap, ...historyKeymap, ...defaultKeymap]),
        lang.of(languages[current]),
        errorField,
        theme,
        // The id the SQL box had, so the page's tests and habits still find the editor.
        EditorView.contentAttributes.of({ id: "sql", "aria-label": "query" }),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    // The selected text when there is a selection (so one statement of several can run), else
    // the whole text; from is where it starts.
    query() {
      const { from, to } = view.state.selection.main;
      return from === to ? { text: view.state.doc.toString(), from: 0 } : { text: view.state.sliceDoc(from, to), from };
    },
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: text.length } });
    },
    setLanguage(name) {
      if (name === current) return;
      current = name;
      view.dispatch({ effects: lang.reconfigure(languages[name]) });
    },
    // Marks the word at offset (a string index) as the error's place and puts the cursor there.
    markError(offset) {
      const len = view.state.doc.length;
      const from = Math.max(0, Math.min(offset, len - 1));
      const rest = /^\w+/.exec(view.state.sliceDoc(from, Math.min(len, from + 100)));
      const to = Math.min(len, from + (rest ? rest[0].length : 1));
      if (from < to) view.dispatch({ effects: setError.of({ from, to }), selection: { anchor: from } });
    },
    clearError: () => view.dispatch({ effects: setError.of(null) }),
    setDark: (dark) => view.dispatch({ effects: colours.reconfigure(dark ? highlight.dark : highlight.light) }),
    focus: () => view.focus(),
  };
}
