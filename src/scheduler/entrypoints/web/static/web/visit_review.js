// A patient's review of a past visit (My appointments): the stars are a radio group (arrow keys
// move between them), the words have a counter; published or changed through the API, the
// visit's row is drawn again by the server as it is now.
import { api, errorText, isolated, say } from "./live.js";

export function countChars(textarea) {
  const counter = document.getElementById(textarea.getAttribute("aria-describedby"));
  if (!counter) return;
  counter.textContent = isolated(gettext("%(used)s of %(limit)s characters"),
    { used: textarea.value.length, limit: Number(textarea.dataset.limit) });
}

async function redrawRow(id, detail) {
  const row = document.querySelector(`li[data-appointment="${id}"]`);
  if (!row) return;
  const response = await fetch(`/me/appointments/${id}/row/${detail ? "?detail=1" : ""}`, { credentials: "same-origin" });
  if (!response.ok) return;
  const holder = document.createElement("template");
  holder.innerHTML = (await response.text()).trim();
  const fresh = holder.content.firstElementChild;
  row.replaceWith(fresh);
  fresh.querySelector(".visit-review-mine")?.setAttribute("tabindex", "-1");
  (fresh.querySelector(".visit-review-mine") ?? fresh).focus();
}

document.addEventListener("input", (event) => {
  if (event.target.matches?.(".visit-review-form textarea")) countChars(event.target);
});

document.addEventListener("toggle", (event) => {
  const form = event.target.querySelector?.(".visit-review-form");
  if (form && event.target.open) countChars(form.elements.text);
}, true);

document.addEventListener("submit", async (event) => {
  const form = event.target.closest?.(".visit-review-form");
  if (!form) return;
  event.preventDefault();
  const stars = form.querySelector('input[name="stars"]:checked');
  if (!stars) {
    say(gettext("Choose from 1 to 5 stars."), "error");
    form.querySelector('input[name="stars"]').focus();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  const id = form.dataset.appointment;
  const reply = await api(form.dataset.method, `/api/appointments/${id}/review/`,
    { stars: Number(stars.value), text: form.elements.text.value });
  button.disabled = false;
  if (!reply.ok) { say(errorText(reply.data, form), "error"); return; }
  say(form.dataset.method === "PATCH" ? gettext("Your review is changed.") : gettext("Thank you: your review is published."), "ok");
  await redrawRow(id, document.querySelector("ul.visits.one") !== null);
});
