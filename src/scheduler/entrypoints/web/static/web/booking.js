// The review step of a booking, in a modal <dialog> on the doctor's page: the slot's doctor,
// clinic and time on the clinic's clock, who the visit is for (the patient or one of their
// family members, added here if need be), a reason, and Confirm. The result stays in the
// dialog, where the eye is; a slot taken meanwhile offers the nearest free ones in place.
// The dialog is modal (showModal): the page behind is inert, so focus stays inside; Escape
// closes it, and focus goes back to the slot that opened it.
import { api, el, errorText, phrase, sameDayNote, visitsThatDay } from "./live.js";
import { digits } from "./local_dates.js";
import { slotHold } from "./hold.js";

const RELATIONS = {
  child: () => pgettext("relation", "child"),
  spouse: () => pgettext("relation", "spouse"),
  parent: () => pgettext("relation", "parent"),
  sibling: () => pgettext("relation", "sibling"),
  other: () => pgettext("relation", "other"),
};

const $ = (id) => document.getElementById(id);

/** The review dialog of the doctor's page. ``onBooked(start, end)`` and ``onTaken(start)``
 * tell the grid; ``focusBack(start)`` puts focus back on the grid when the dialog closes. */
export function bookingReview({ doctorId, clinicId, zone, patient, signedIn, onBooked, onTaken, focusBack }) {
  const dialog = $("review");
  const form = $("review-form");
  const reason = $("review-reason");
  const limit = Number(reason.dataset.limit);
  const confirm = $("review-confirm");
  // Disabled by the page where this patient may not book online (the clinic's no-show policy,
  // a doctor taking no new patients; the page says why): nothing here enables it again.
  const barred = confirm.disabled;
  const problem = $("review-problem");
  const people = $("review-people");
  const family = $("review-family");
  const addFamily = $("review-add-family");
  let start = null;
  let opened = null; // the slot the dialog was opened from, for focus on close
  let dependants = null; // loaded once, when first needed
  let busy = false;
  // While the dialog is open on a slot, that slot is held for the patient (hold.js).
  const holding = slotHold({ doctorId, clinicId, shown: $("review-hold"), said: $("review-hold-said") });

  function count() {
    const used = reason.value.length;
    $("review-reason-count").textContent = digits(interpolate(gettext("%(used)s of %(limit)s characters"), { used, limit }, true));
    $("review-reason-count").classList.toggle("full", used >= limit);
  }

  function showProblem(text, extra = null) {
    problem.hidden = false;
    problem.replaceChildren(text);
    if (extra) problem.append(extra);
  }

  function choose(slotStart) {
    start = slotStart;
    $("review-when").textContent = zone.moment(start);
    if (patient) sameDay();
    const next = `${location.pathname}?clinic=${clinicId}&slot=${encodeURIComponent(new Date(start).toISOString())}`;
    $("review-login").href = `/login/?next=${encodeURIComponent(next)}`;
    $("review-signup").href = `/signup/?next=${encodeURIComponent(next)}`;
  }

  // The patient's other visits on the slot's day (see sameDayNote); Confirm stays. Only the
  // newest slot's day is said.
  async function sameDay() {
    const shown = $("review-same-day");
    shown.replaceChildren();
    const asked = start;
    const others = await visitsThatDay(zone.day(start));
    // Booked meanwhile (found in review: a slow answer came back under "Appointment booked").
    if (asked !== start || !others.length || !$("review-done").hidden) return;
    const heading = ngettext("You already have a visit that day:", "You already have visits that day:", others.length);
    shown.replaceChildren(sameDayNote(others, heading, { near: start, linked: true }));
  }

  async function loadFamily() {
    if (dependants === null) {
      const reply = await api("GET", "/api/me/dependants/");
      dependants = reply.ok ? reply.data : [];
    }
    drawPeople(people.querySelector("input:checked")?.value ?? "");
  }

  function drawPeople(selected) {
    const option = (value, name, note) => el("label", {},
      el("input", { type: "radio", name: "for", value, checked: value === selected }),
      el("bdi", {}, name), note ? el("span", { class: "hint" }, note) : null);
    people.replaceChildren(
      option("", gettext("Myself"), null),
      ...dependants.map((d) => option(String(d.id), `${d.first_name} ${d.last_name}`, RELATIONS[d.relation]?.() ?? d.relation)));
    if (!people.querySelector("input:checked")) people.querySelector("input").checked = true;
  }

  function toggleFamily(open) {
    family.hidden = !open;
    addFamily.setAttribute("aria-expanded", String(open));
    $("review-family-error").hidden = true;
    if (open) family.querySelector("input").focus(); else addFamily.focus();
  }

  function familyProblem(text) {
    $("review-family-error").hidden = false;
    $("review-family-error").textContent = text;
  }

  async function saveFamily() {
    const field = (name) => form.elements[name];
    // The Jalali picker keeps the last good date when what is typed is none: say so, in the
    // calendar the reader types in, rather than send a date they did not mean.
    if (family.querySelector(".date-text[aria-invalid='true']")) {
      familyProblem(digits(gettext("Enter the birth date as year/month/day in the Persian calendar, e.g. 1397/03/10.")));
      return;
    }
    const body = {
      first_name: field("first_name").value, last_name: field("last_name").value,
      birth_date: field("birth_date").value, relation: field("relation").value,
    };
    const reply = await api("POST", "/api/me/dependants/", body);
    if (!reply.ok) {
      familyProblem(errorText(reply.data, family));
      return;
    }
    dependants.push(reply.data);
    drawPeople(String(reply.data.id));
    for (const name of ["first_name", "last_name", "birth_date"]) field(name).value = "";
    family.hidden = true;
    addFamily.setAttribute("aria-expanded", "false");
    people.querySelector("input:checked").focus();
  }

  function alternativesOf(reply) {
    const alternatives = reply.data?.alternatives ?? [];
    if (!alternatives.length) return null;
    return el("span", { class: "review-alternatives" }, ...alternatives.map((slot) => el("button", {
      type: "button", onclick: () => { choose(slot.start); problem.hidden = true; confirm.disabled = barred; confirm.focus(); holdChosen(); },
    }, zone.moment(slot.start))));
  }

  // A slot taken (or held by someone else) meanwhile: say so, with the nearest free ones.
  // Confirm waits for one of them: pressed again, it could only be refused again.
  function taken(reply) {
    confirm.disabled = true;
    const mine = reply.data?.holder === "patient";
    if (!mine) onTaken(start);
    const text = mine ? gettext("You already have an appointment at that time.") : gettext("That time was just taken.");
    const alternatives = alternativesOf(reply);
    showProblem(alternatives ? `${text} ${gettext("Pick another time:")} ` : `${text} ${gettext("No free time near it.")}`, alternatives);
  }

  // Taken meanwhile, the dialog says so at once; any other refusal Confirm says in context.
  async function holdChosen() {
    const reply = await holding.hold(start);
    if (reply?.status === 409) taken(reply);
  }

  async function book() {
    if (busy) return;
    busy = true;
    confirm.disabled = true;
    problem.hidden = true;
    reason.removeAttribute("aria-invalid");
    const forWhom = people.querySelector("input:checked")?.value ?? "";
    const body = { doctor_id: doctorId, clinic_id: clinicId, start, reason: reason.value };
    if (forWhom) body.dependant_id = Number(forWhom);
    // The hold becomes the booking; an expired one is no matter: the slot may still be free.
    // A Confirm faster than the hold's reply waits for it rather than race it.
    await holding.settled();
    if (holding.holdId()) body.hold_id = holding.holdId();
    if (form.elements.visit_mode) body.visit_mode = form.elements.visit_mode.value; // where the clinic offers video
    // api() sends an Idempotency-Key: a retried request never books twice.
    const reply = await api("POST", "/api/appointments/", body);
    busy = false;
    confirm.disabled = barred;
    if (reply.ok) {
      holding.booked();
      return done(reply.data);
    }
    if (reply.status === 409) {
      holding.letGo(); // whatever hold there was is not this patient's any more
      taken(reply);
      (problem.querySelector("button") ?? problem).focus();
      return;
    }
    if (reply.data?.reason) reason.setAttribute("aria-invalid", "true");
    showProblem(errorText(reply.data, form));
  }

  function done(appointment) {
    onBooked(appointment.start, appointment.end);
    const when = zone.moment(appointment.start);
    const who = appointment.dependant ? appointment.dependant.name : null;
    const text = appointment.status === "pending"
      ? (who ? phrase(gettext("Requested for %(name)s — waiting for the doctor to confirm: %(when)s."), { name: who, when })
        : phrase(gettext("Requested — waiting for the doctor to confirm: %(when)s."), { when }))
      : (who ? phrase(gettext("Booked for %(name)s: %(when)s."), { name: who, when })
        : phrase(gettext("Booked: %(when)s."), { when }));
    const result = $("review-result");
    result.replaceChildren(text);
    result.classList.toggle("pending", appointment.status === "pending");
    $("review-calendar").href = `/me/appointments/${appointment.id}/calendar.ics`;
    $("review-see").href = `/me/appointments/${appointment.id}/`;
    $("review-documents").href = `/me/appointments/${appointment.id}/#documents`;
    $("review-fields").hidden = true;
    $("review-same-day").replaceChildren(); // of the day before this booking
    $("review-done").hidden = false;
    reason.value = "";
    count();
    $("review-title").textContent = appointment.status === "pending" ? gettext("Request sent") : gettext("Appointment booked");
    result.focus();
    // Back or reload must not offer this slot's review again.
    const url = new URL(location.href);
    url.searchParams.delete("slot");
    history.replaceState(null, "", url);
  }

  async function open(slotStart) {
    opened = slotStart;
    choose(slotStart);
    confirm.disabled = barred;
    $("review-title").textContent = gettext("Review your appointment");
    problem.hidden = true;
    family.hidden = true;
    addFamily.setAttribute("aria-expanded", "false");
    $("review-done").hidden = true;
    $("review-sign-in").hidden = signedIn;
    $("review-fields").hidden = !patient;
    // A patient just signed up from this slot: their welcome (base.html) would sit behind the
    // dialog, inert and out of the screen reader's reach (found in review). It moves in.
    const welcome = document.querySelector("main > .welcome");
    if (welcome) dialog.querySelector(".review-top").after(welcome);
    dialog.showModal();
    $("review-title").focus();
    if (patient) await Promise.all([holdChosen(), loadFamily()]);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (family.contains(document.activeElement)) saveFamily(); // Enter in the family member's fields
    else if (patient && !$("review-fields").hidden) book();
  });
  reason.addEventListener("input", count);
  addFamily.addEventListener("click", () => toggleFamily(family.hidden));
  $("review-family-save").addEventListener("click", saveFamily);
  $("review-family-cancel").addEventListener("click", () => toggleFamily(false));
  for (const button of dialog.querySelectorAll("[data-close]")) button.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.querySelector(".welcome")?.remove(); // said once
    holding.letGo();
    focusBack(opened);
  });
  dialog.addEventListener("keydown", (event) => {
    // A modal dialog makes the page inert, but Tab past its last control would leave for the
    // browser's own bar: it goes round to the first instead (and Shift+Tab the other way).
    if (event.key !== "Tab") return;
    const stops = [...dialog.querySelectorAll("button, a[href], input, select, textarea")]
      .filter((node) => !node.disabled && node.checkVisibility() && !(node.type === "radio" && !node.checked));
    const [first, last] = [stops[0], stops[stops.length - 1]];
    if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    else if (event.shiftKey && (document.activeElement === first || document.activeElement === $("review-title"))) {
      event.preventDefault();
      last.focus();
    }
  });
  dialog.addEventListener("cancel", (event) => {
    // Escape in the birth date's open month grid closes that grid, not the review.
    if (dialog.querySelector(".date-dialog:not([hidden])")) event.preventDefault();
  });
  count();
  return { open };
}
