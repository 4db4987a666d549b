// The waitlist on the pages: joining from the doctor's page; on "My appointments" a patient's
// places and a live offer (a countdown to the end of its window, take it or let it go), drawn
// again by the server whenever the patient's socket says an offer was made, answered or ended
// (my_appointments.js passes it on); an offer's own page; a doctor's line for staff, where a
// place moves one step with a reason.
import { api, el, errorText, say } from "./live.js";
import { digits } from "./local_dates.js";
import "./date_picker.js"; // Jalali pickers for the join form's dates on a Persian page

// -- joining (the doctor's page) -----------------------------------------------------------------
const join = document.getElementById("waitlist-join");
join?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problem = document.getElementById("waitlist-problem");
  const parts = [...join.querySelectorAll('input[name="parts"]:checked')].map((box) => box.value);
  const button = join.querySelector('button[type="submit"]');
  button.disabled = true;
  const reply = await api("POST", "/api/waitlist/", {
    doctor_id: Number(join.dataset.doctor),
    clinic_id: Number(join.dataset.clinic),
    first_day: join.elements.first_day.value,
    last_day: join.elements.last_day.value,
    parts,
  });
  button.disabled = false;
  if (!reply.ok) {
    problem.textContent = errorText(reply.data, join);
    problem.hidden = false;
    return;
  }
  problem.hidden = true;
  join.hidden = true;
  const done = document.getElementById("waitlist-joined");
  done.hidden = false;
  done.focus();
});

// -- the countdown of an offer's window ----------------------------------------------------------
// Shown every second to the eye; the screen reader hears the time it is held until (in the
// text), not a number changing each second.
function tick() {
  for (const left of document.querySelectorAll(".offer-left[data-expires]")) {
    const seconds = Math.max(0, Math.round((new Date(left.dataset.expires) - Date.now()) / 1000));
    const shown = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    left.querySelector(".countdown").textContent = `(${digits(shown)})`;
    if (seconds === 0) left.closest(".offer")?.querySelectorAll("button[data-offer]").forEach((b) => { b.disabled = true; });
  }
}
setInterval(tick, 1000);
tick();

// -- my places and offers ------------------------------------------------------------------------
// ``refocus`` true: the patient acted here (the disabled button lost the focus meanwhile).
async function redrawPlaces(refocus) {
  const section = document.getElementById("waitlist");
  if (!section) return;
  let response;
  try {
    response = await fetch("/me/waitlist/", { credentials: "same-origin" });
  } catch { return; }
  if (!response.ok) return;
  const holder = document.createElement("template");
  holder.innerHTML = (await response.text()).trim();
  const fresh = holder.content.firstElementChild;
  const hadFocus = refocus === true || section.contains(document.activeElement);
  // A redraw the patient didn't ask for (a live change) keeps the focus on the same button.
  const twin = refocus === true ? null : sameButton(document.activeElement, fresh);
  const wasOffered = section.querySelector(".offer") !== null;
  const answering = section.querySelector("form.why")?.contains(document.activeElement) ? document.activeElement : null;
  const asked = refocus === true ? null : carryQuestion(section, fresh);
  carryRefusal(section, fresh);
  section.replaceWith(fresh);
  tick();
  const offer = fresh.querySelector(".offer");
  if (offer && !wasOffered) {
    say(gettext("A slot you waited for is free: it is held for you for a few minutes."), "ok");
    offer.closest("li")?.focus();
  } else if (asked && answering) {
    answering.focus(); // still answering the question, which the move took the focus from
  } else if (twin) {
    twin.focus();
  } else if (hadFocus) {
    // The place left was the last one: the section hides, so focus goes on to the next part.
    const next = fresh.querySelector("li") ?? document.getElementById("upcoming-title");
    if (next && !next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
    next?.focus();
  }
}
document.addEventListener("waitlist-changed", redrawPlaces);

// An open "Leave this waitlist?" goes on to its place's new row (a live change must not close
// it mid-answer); with the place gone, so is the question.
function carryQuestion(section, fresh) {
  const form = section.querySelector("li[data-entry] form.why");
  const row = form && fresh.querySelector(`li[data-entry="${CSS.escape(form.closest("li").dataset.entry)}"]`);
  if (!row?.querySelector("button[data-leave]")) return null;
  row.append(form);
  return form;
}

// A refusal said beside an offer stays with it while the place is offered (a live change
// drew the section again, and took the word away).
function carryRefusal(section, fresh) {
  for (const said of section.querySelectorAll("li[data-entry] .offer-refused:not([hidden])")) {
    const entry = CSS.escape(said.closest("li").dataset.entry);
    fresh.querySelector(`li[data-entry="${entry}"] .offer-refused`)?.replaceWith(said);
  }
}

function sameButton(focused, fresh) {
  if (!(focused instanceof HTMLButtonElement)) return null;
  for (const name of ["data-leave", "data-offer"]) {
    const value = focused.getAttribute(name);
    if (value !== null) return fresh.querySelector(`button[${name}="${CSS.escape(value)}"]`);
  }
  return null;
}

document.addEventListener("click", async (event) => {
  const answer = event.target.closest?.("button[data-offer]");
  const leave = event.target.closest?.("button[data-leave]");
  const move = event.target.closest?.("button[data-move]");
  if (answer) await answerOffer(answer);
  else if (leave) askLeave(leave);
  else if (move) askMove(move);
});

async function answerOffer(button) {
  const accept = button.dataset.offer === "accept";
  const buttons = button.closest(".offer").querySelectorAll("button[data-offer]");
  buttons.forEach((b) => { b.disabled = true; });
  const reply = await api("POST", `/api/waitlist/offers/${button.dataset.token}/${accept ? "accept" : "decline"}/`);
  if (reply.ok && accept) {
    // The booking's own page: what was booked, and what may be done with it, with a word that
    // it is now the patient's (found in review: the page said nothing of what just happened).
    location.assign(`/me/appointments/${reply.data.appointment_id}/?taken=1`);
    return;
  }
  if (reply.status === 429) {
    // Over the day's bookings: nothing changed, so it is said beside the offer, which stays
    // (found in review: said at the top of the page, the offer looked as if nothing was said).
    // The section may have been drawn again meanwhile: the offer is the place's as it is now.
    const entry = CSS.escape(button.closest("[data-entry]").dataset.entry);
    const offer = document.querySelector(`[data-entry="${entry}"] .offer, .offer[data-entry="${entry}"]`);
    const refused = offer.querySelector(".offer-refused");
    refused.querySelector(".offer-refused-why").textContent = errorText(reply.data);
    refused.hidden = false;
    offer.querySelectorAll("button[data-offer]").forEach((b) => { b.disabled = false; });
    offer.querySelector('button[data-offer="accept"]').focus();
    return;
  }
  const offer = button.closest(".offer");
  if (reply.ok) {
    say(gettext("Let go: the next in line is offered it. You stay on the waitlist."), "ok");
    offer.querySelector(".offer-actions")?.remove();
  } else {
    say(errorText(reply.data), "error");
    buttons.forEach((b) => { b.disabled = false; });
  }
  // The answered button was disabled, which dropped the keyboard on the page: it goes to the
  // offer (its own page) or to the place redrawn (My appointments).
  offer.setAttribute("tabindex", "-1");
  offer.focus();
  await redrawPlaces(true);
}

// Leaving gives up the place in line for good: asked once, "Stay on it" goes back.
function askLeave(button) {
  const row = button.closest("li[data-entry]");
  row.querySelector("form.why")?.remove();
  const yes = el("button", { type: "submit", class: "danger" }, gettext("Yes, leave"));
  const form = el("form", { class: "why" },
    el("p", { class: "ask" }, gettext("Leave this waitlist? Your place in line is given up.")),
    el("div", { class: "buttons" }, yes,
      el("button", { type: "button", onclick: () => backToLeave(form) }, gettext("Stay on it"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await leavePlace(yes, button.dataset.leave);
  });
  row.append(form);
  yes.focus();
}

// Back to the row's own "Leave" button: after a redraw that is not the one first pressed.
function backToLeave(form) {
  const row = form.closest("li[data-entry]");
  form.remove();
  row?.querySelector("button[data-leave]")?.focus();
}

async function leavePlace(button, entry) {
  button.disabled = true;
  const reply = await api("DELETE", `/api/waitlist/${entry}/`);
  if (reply.ok) say(gettext("You left the waitlist."), "ok");
  else { say(errorText(reply.data), "error"); button.disabled = false; }
  await redrawPlaces(true);
}

// -- a doctor's line (staff) ---------------------------------------------------------------------
function askMove(button) {
  const row = button.closest("li[data-entry]");
  row.querySelector("form.why")?.remove();
  const up = button.dataset.move === "up";
  const reason = el("input", { type: "text", name: "reason", maxlength: "300", required: true, autocomplete: "off" });
  const form = el("form", { class: "why" },
    el("label", {}, up ? gettext("Why move them up (kept with the move):") : gettext("Why move them down (kept with the move):"), " ", reason),
    el("div", { class: "buttons" },
      el("button", { type: "submit", class: "primary" }, up ? gettext("Move up") : gettext("Move down")),
      el("button", { type: "button", onclick: () => { form.remove(); button.focus(); } }, gettext("Keep the order"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const doctor = row.closest("ol[data-doctor]").dataset.doctor;
    const reply = await api("POST", `/api/doctors/${doctor}/waitlist/${row.dataset.entry}/move/`,
      { direction: button.dataset.move, reason: reason.value.trim() });
    if (reply.ok) location.reload();
    else say(errorText(reply.data, form), "error");
  });
  row.append(form);
  reason.focus();
}
