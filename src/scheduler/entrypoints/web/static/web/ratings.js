// The doctor's page, read by the doctor themselves: a reply to a review, once, through the API;
// published, it takes the form's place.
import { api, el, errorText, say } from "./live.js";
import { countChars } from "./visit_review.js";

document.addEventListener("input", (event) => {
  if (event.target.matches?.(".ratings-reply-form textarea")) countChars(event.target);
});

document.addEventListener("submit", async (event) => {
  const form = event.target.closest?.(".ratings-reply-form");
  if (!form) return;
  event.preventDefault();
  const text = form.elements.text.value.trim();
  if (!text) { say(gettext("Write a reply."), "error"); form.elements.text.focus(); return; }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  const reply = await api("POST", `/api/reviews/${form.dataset.review}/reply/`, { text });
  button.disabled = false;
  if (!reply.ok) { say(errorText(reply.data, form), "error"); return; }
  const shown = el("div", { class: "ratings-reply", tabindex: "-1" },
    el("p", { class: "ratings-reply-who" }, gettext("Your reply")),
    el("p", {}, el("bdi", {}, reply.data.reply.text)));
  form.closest("details").replaceWith(shown);
  shown.focus();
  say(gettext("Your reply is published."), "ok");
});
