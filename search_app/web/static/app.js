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
