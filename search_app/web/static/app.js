// Progressive enhancement only: the pages work without it.
// On a phone the filters start folded so the results are on the first screen.
if (window.matchMedia("(max-width: 759px)").matches) {
  document.querySelectorAll(".facets details").forEach((d) => d.removeAttribute("open"));
}

// A form that asks before it acts (the policy allows no inline script, so not onsubmit="").
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// Every filter, sort or page change reloads the page; put the focus back on the control the
// reader used (its data-focus names it) instead of the top of the page. A name starting with
// "#" is the id of the element to focus instead.
const FOCUS_AFTER_LOAD = "tracuu:focus";

function rememberFocus(name, url) {
  try {
    const path = new URL(url, window.location.href).pathname;
    window.sessionStorage.setItem(FOCUS_AFTER_LOAD, JSON.stringify({ name, path }));
  } catch (error) {
    // no storage (private mode, policy): the page simply keeps the browser's default focus
  }
}

function restoreFocus() {
  let saved = null;
  try {
    saved = JSON.parse(window.sessionStorage.getItem(FOCUS_AFTER_LOAD));
    window.sessionStorage.removeItem(FOCUS_AFTER_LOAD);
  } catch (error) {
    return;
  }
  if (!saved || saved.path !== window.location.pathname) return;
  const target =
    (saved.name.startsWith("#")
      ? document.getElementById(saved.name.slice(1))
      : document.querySelector(`[data-focus="${CSS.escape(saved.name)}"]`)) ||
    document.getElementById("ket-qua");
  if (!target) return;
  const folded = target.closest("details:not([open])");
  if (folded) folded.open = true;
  target.focus();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-focus]");
  const newTab = event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
  if (link && !newTab) rememberFocus(link.dataset.focus, link.href);
});

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.dataset.focus && !event.defaultPrevented) {
    rememberFocus(button.dataset.focus, event.target.action);
  }
});

restoreFocus();

// While staff reindex everything, follow the progress without reloading the page every few seconds.
const reindexStatus = document.getElementById("reindex-status");
if (reindexStatus && reindexStatus.dataset.running === "true") {
  const poll = window.setInterval(async () => {
    try {
      const response = await fetch(reindexStatus.dataset.progress, { headers: { Accept: "application/json" } });
      const state = await response.json();
      if (state.running) {
        reindexStatus.textContent = `Đang chạy: ${state.done}/${state.total || "?"} tài liệu (${state.seconds} giây).`;
      } else {
        window.clearInterval(poll);
        window.location.reload();
      }
    } catch (error) {
      window.clearInterval(poll);
    }
  }, 3000);
}

// Suggestions as a member types (numbers, units, phrases, titles), as a WAI-ARIA combobox:
// arrow keys move through them, Enter opens the one chosen, Escape closes the list. Without
// JavaScript the box is a plain search field.
const KIND_LABELS = { number: "Số hiệu", unit: "Đơn vị", phrase: "Cụm từ", title: "Tài liệu" };

function setUpSuggestions(input) {
  const list = document.getElementById("q-goi-y");
  if (!list) return;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  let items = [];
  let active = -1;
  let timer = null;
  let asked = "";

  function close() {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(n) {
    active = n;
    list.querySelectorAll("[role=option]").forEach((option, k) => {
      option.setAttribute("aria-selected", k === n ? "true" : "false");
    });
    if (n >= 0) input.setAttribute("aria-activedescendant", `q-goi-y-${n}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function show(suggestions) {
    close();
    items = suggestions;
    if (!items.length) return;
    items.forEach((item, n) => {
      const option = document.createElement("li");
      option.id = `q-goi-y-${n}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const label = document.createElement("span");
      label.textContent = item.label;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = KIND_LABELS[item.kind] || "";
      option.append(label, kind);
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => go(n));
      list.append(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function go(n) {
    const item = items[n];
    if (item) window.location.href = item.url;
  }

  async function ask() {
    const text = input.value;
    if (text === asked) return;
    asked = text;
    if (text.trim().length < 2) {
      close();
      return;
    }
    try {
      const url = `${input.dataset.suggest}?q=${encodeURIComponent(text)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || input.value !== text) return;
      show((await response.json()).suggestions || []);
    } catch (error) {
      close();
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 120);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      choose((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      choose(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
      asked = ""; // the same words typed again ask again
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      go(active);
    }
  });
  input.addEventListener("blur", () =>
    window.setTimeout(() => {
      close();
      asked = "";
    }, 150),
  );
}

const searchInput = document.querySelector("input[data-suggest]");
if (searchInput) setUpSuggestions(searchInput);
