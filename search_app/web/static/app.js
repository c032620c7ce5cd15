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
