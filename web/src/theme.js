// theme.js — light and dark: the system's choice (prefers-color-scheme) unless the user picked
// one, kept across reloads.
const KEY = "arenadb.theme";
const MODES = ["auto", "dark", "light"];
const system = window.matchMedia("(prefers-color-scheme: dark)");

// The mode the user picked: "auto" (follow the system), "dark" or "light".
export function themeMode() {
  const m = localStorage.getItem(KEY);
  return MODES.includes(m) ? m : "auto";
}

// Whether the page is dark now.
export function isDark() {
  const m = themeMode();
  return m === "dark" || (m === "auto" && system.matches);
}

// Applies the mode to the page (data-theme on <html>, which app.css reads) and calls
// onChange(dark) now and whenever the mode or the system's choice changes.
export function initTheme(onChange) {
  const apply = () => {
    const dark = isDark();
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    onChange(dark);
  };
  system.addEventListener("change", apply);
  apply();
  return {
    // Moves to the next mode (auto → dark → light → auto); returns it.
    cycle() {
      const next = MODES[(MODES.indexOf(themeMode()) + 1) % MODES.length];
      if (next === "auto") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
      apply();
      return next;
    },
  };
}
