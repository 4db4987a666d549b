// The doctor search: the form works as it is (a GET form, the URL holds the query); this adds
// the browser's location for "near me", opens the filters where there is room for them, and
// leaves empty fields out of the URL so a shared search link reads as what was asked.
const form = document.querySelector("form.search");
const filters = document.getElementById("search-filters");
const near = document.getElementById("search-near");
const locate = document.getElementById("search-locate");
const state = document.getElementById("search-near-state");
const radius = document.getElementById("search-radius");
const sort = document.getElementById("search-sort");
const city = document.getElementById("search-city");

// Distances are from the browser's location, or else from the chosen city's centre.
const measurable = () => Boolean(near.value || city?.value);
function offerDistance() {
  radius.disabled = !measurable();
  const byDistance = sort?.querySelector('option[value="distance"]');
  if (byDistance) byDistance.disabled = !measurable();
}
city?.addEventListener("change", offerDistance);

// Beside the results on a wide screen; folded above them on a narrow one (the summary counts
// the filters chosen), unless one of them needs correcting.
if (filters) filters.open = window.matchMedia("(min-width: 60rem)").matches || "invalid" in filters.dataset;

// A new order shows at once; the button is for pages without scripts.
document.querySelector(".sort-apply")?.setAttribute("hidden", "");
sort?.addEventListener("change", () => form.requestSubmit());

if (locate && navigator.geolocation) {
  locate.hidden = false;
  locate.addEventListener("click", () => {
    locate.disabled = true;
    state.textContent = gettext("Finding your location…");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        // Three decimals: about a hundred metres, as precise as a clinic search needs.
        const { latitude, longitude } = position.coords;
        near.value = `${latitude.toFixed(3)},${longitude.toFixed(3)}`;
        offerDistance();
        sort.value = "distance";
        form.requestSubmit();
      },
      () => {
        locate.disabled = false;
        state.textContent = gettext("Your location is not available: choose a city instead.");
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
    );
  });
}

form?.addEventListener("submit", () => {
  for (const field of form.elements) {
    if (field.name && (field.type === "hidden" || field.tagName === "SELECT" || field.type === "search" || field.type === "date")
        && !field.value) field.disabled = true;
  }
  if (sort && sort.value === "first_available") sort.disabled = true;
});

// Coming back with the Back button, the page may be restored as it was left: fields enabled.
window.addEventListener("pageshow", () => {
  for (const field of form?.elements ?? []) field.disabled = false;
  offerDistance();
});
