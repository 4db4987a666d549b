// The follow-up the doctor proposes in a visit's note: "Book it" books that time through the
// same booking as anywhere else (all its rules); a time taken meanwhile offers the nearest.
import { api, clock, el, errorText, phrase, say, takenMessage } from "./live.js";

const offer = document.getElementById("follow-up");
const zone = clock(offer.dataset.timezone);

async function book(start) {
  const button = offer.querySelector('[data-action="book-follow-up"]');
  if (button) button.disabled = true;
  const body = {
    doctor_id: Number(offer.dataset.doctor),
    clinic_id: Number(offer.dataset.clinic),
    start,
    reason: gettext("Follow-up"),
  };
  if (offer.dataset.dependant) body.dependant_id = Number(offer.dataset.dependant);
  const reply = await api("POST", "/api/appointments/", body);
  if (button) button.disabled = false;
  if (reply.ok) {
    const text = reply.data.status === "pending" ? gettext("Requested: %(when)s. The doctor confirms it.") : gettext("Booked: %(when)s.");
    say(phrase(text, { when: zone.moment(reply.data.start) }), "ok");
    offer.querySelector(".buttons")?.replaceWith(el("p", {},
      el("a", { href: `/me/appointments/${reply.data.id}/` }, gettext("See the booking"))));
    offer.querySelector("a")?.focus();
  } else if (reply.status === 409 && reply.data?.alternatives) {
    takenMessage(reply, zone, book);
  } else {
    say(errorText(reply.data), "error");
  }
  return reply.ok;
}

offer.addEventListener("click", (event) => {
  if (event.target.closest('[data-action="book-follow-up"]')) book(offer.dataset.start);
});
offer.dataset.ready = "true";
