// Progressive enhancement only: the pages work without it.
// On a phone the filters start folded so the results are on the first screen.
if (window.matchMedia("(max-width: 759px)").matches) {
  document.querySelectorAll(".facets details").forEach((d) => d.removeAttribute("open"));
}
