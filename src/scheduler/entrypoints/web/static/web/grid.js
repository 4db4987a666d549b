// The doctor's week at one clinic: a free slot opens the review step of a booking (booking.js); every
// booking or cancellation anywhere repaints the cell in every open browser.
import { LiveFeed, api, el, errorText, instantKey, isolated, phrase, say, takenMessage } from "./live.js";
import { PERSIAN, addDays, clock } from "./local_dates.js";
import { bookingReview } from "./booking.js";


const root = document.getElementById("grid");
const doctorId = Number(root.dataset.doctor);
const clinicId = Number(root.dataset.clinic);
const patientId = root.dataset.patient ? Number(root.dataset.patient) : null;
const signedIn = Boolean(root.dataset.signedIn);
let wanted = root.dataset.slot || null; // the slot the address asks for (?slot=)
const days = Number(root.dataset.days);
// On a patient's booking page the grid moves that booking (its id) instead of making one.
const moving = root.dataset.move || null;
const zone = clock(root.dataset.timezone);
// The seven days from the one asked for (today by default), in every language: a booking grid
// starts where booking does, not at the calendar week's first day (which on a Thursday would
// leave five of seven columns past). Only real calendars (the date picker's month) keep weeks.
let firstDay = root.dataset.firstDay;
const today = zone.day(new Date().toISOString());
let cells = new Map(); // instant -> {start, end, state: free|taken|mine|moving|held|held-mine}
// A slot someone holds (a booking under review, hold.js) is shown held, not bookable.
const occupied = (slot) => slot.state === "taken" || slot.state === "held";
// The patient's own visits (and their family's, whose time is theirs too) over the days shown,
// with any doctor anywhere: a free slot over one is shown, not offered, since its booking would
// be refused as theirs (found in review: only the review, once opened, said so). Read with each
// week, a day either side for zones, and again when the page comes back into view (a visit
// booked or cancelled in another tab); the last read stands meanwhile.
let ownVisits = [];
let ownVisitsRead = Promise.resolve();
let feed = null;

function loadOwnVisits() {
  if (patientId === null) return;
  const asked = firstDay;
  ownVisitsRead = api("GET", `/api/appointments/?active=true&from=${addDays(firstDay, -1)}&to=${addDays(firstDay, days)}&limit=100`)
    .then((reply) => {
      if (!reply.ok || asked !== firstDay) return;
      ownVisits = reply.data.results.filter((visit) => visit.id !== moving);
      render();
    });
}

function clashes(cell) {
  if (cell.state !== "free") return false;
  const [start, end] = [new Date(cell.start), new Date(cell.end)];
  return ownVisits.some((visit) => new Date(visit.start) < end && start < new Date(visit.end));
}

function watch() {
  const polling = feed?.polling ?? false;
  feed?.close();
  cells = new Map();
  render();
  loadOwnVisits();
  feed = new LiveFeed(`/ws/slots/${doctorId}/?from=${firstDay}&days=${days}`, {
    polling,
    idOf: (message) => message.key,
    onSnapshot: (snapshot, live) => {
      cells = new Map();
      for (const slot of snapshot.free) {
        if (slot.clinic_id === clinicId) cells.set(instantKey(slot.start), { ...slot, state: "free" });
      }
      for (const slot of snapshot.slots) {
        live.remember(slot.key, slot.version);
        if (slot.clinic_id === clinicId && occupied(slot)) place(slot);
      }
      render();
      ownVisitsRead.then(offerWanted); // a clash is no slot to offer
    },
    onDelta: (slot) => {
      if (slot.clinic_id !== clinicId) return;
      if (slot.released) release(slot.released);
      if (occupied(slot)) place(slot); else release(slot);
      render();
    },
  });
}

function place(slot) {
  const mine = patientId !== null && slot.booking?.patient_id === patientId;
  let state = moving !== null && slot.booking?.id === moving ? "moving" : mine ? "mine" : "taken";
  if (slot.state === "held") state = mine ? "held-mine" : "held";
  cells.set(instantKey(slot.start), { start: slot.start, end: slot.end, state });
}

// A freed slot is offered again only while it is still ahead; the API has the last word.
function release(slot) {
  const key = instantKey(slot.start);
  if (new Date(slot.start) > new Date()) cells.set(key, { start: slot.start, end: slot.end, state: "free" });
  else cells.delete(key);
}

function render() {
  // A repaint keeps a keyboard user on their slot (holds come and go while they are there).
  const focused = root.contains(document.activeElement) ? document.activeElement.dataset.start : null;
  const byDay = new Map();
  for (let n = 0; n < days; n += 1) byDay.set(addDays(firstDay, n), []);
  for (const [key, cell] of [...cells].sort(([a], [b]) => a.localeCompare(b))) {
    byDay.get(zone.day(cell.start))?.push([key, cell]);
  }
  root.replaceChildren(...[...byDay].map(([day, dayCells]) => el("section", {
    class: ["day", day < today ? "past" : ""].join(" ").trim(), "data-day": day, "aria-current": day === today ? "date" : null,
  },
    el("h3", {}, zone.dayLabel(day, { year: PERSIAN })),
    dayCells.length
      ? el("div", { class: "slots" }, ...dayCells.map(([key, cell]) => cellButton(key, cell)))
      : el("p", { class: "hint" }, day < today ? gettext("past") : gettext("no free time")),
    // The word in the slot, said whole once under the day (in each slot it broke the columns).
    dayCells.some(([, cell]) => clashes(cell))
      ? el("p", { class: "hint" }, gettext("Clash: you or your family already have a visit then.")) : null)));
  if (focused) root.querySelector(`[data-start="${focused}"]`)?.focus();
}

function cellButton(key, slot) {
  const cell = clashes(slot) ? { ...slot, state: "clash" } : slot;
  const time = zone.time(cell.start);
  const label = {
    free: isolated(gettext("%(time)s, free"), { time: zone.moment(cell.start) }),
    taken: isolated(gettext("%(time)s, taken"), { time: zone.moment(cell.start) }),
    mine: isolated(gettext("%(time)s, yours"), { time: zone.moment(cell.start) }),
    moving: isolated(gettext("%(time)s, the appointment you are moving"), { time: zone.moment(cell.start) }),
    held: isolated(gettext("%(time)s, held by someone booking it"), { time: zone.moment(cell.start) }),
    "held-mine": isolated(gettext("%(time)s, held for you"), { time: zone.moment(cell.start) }),
    clash: isolated(gettext("%(time)s, a clash: you or your family have another visit then"), { time: zone.moment(cell.start) }),
  }[cell.state];
  const shown = { free: time, taken: interpolate(gettext("%(time)s taken"), { time }, true), mine: interpolate(gettext("%(time)s yours"), { time }, true),
    moving: interpolate(gettext("%(time)s current"), { time }, true), held: interpolate(gettext("%(time)s held"), { time }, true),
    "held-mine": interpolate(gettext("%(time)s held for you"), { time }, true),
    clash: interpolate(gettext("%(time)s clash"), { time }, true) }[cell.state];
  return el("button", {
    type: "button", class: `slot ${cell.state}`, "data-start": key, "data-state": cell.state,
    // The patient's own hold stays a button: it opens the review again (the same hold).
    disabled: cell.state !== "free" && cell.state !== "held-mine", "aria-label": label, onclick: () => (moving ? confirmMove(cell.start) : book(cell.start)),
  }, shown);
}

function book(start) {
  if (patientId === null && signedIn) { // staff: the desk and the doctor's day book for patients
    // The clinic's own desk, where they may run it (found in review: told to sign in as a
    // patient, as if booking were not theirs to do).
    if (root.dataset.desk) {
      const day = zone.day(start);
      say(gettext("Book for a patient at the clinic's desk:"), "info",
        el("span", {}, " ", el("a", { href: `${root.dataset.desk}?date=${day}` }, gettext("open the desk on that day"))));
    } else say(gettext("Sign in as a patient to book."), "info");
    return;
  }
  review?.open(start);
}

// A move asks first (a stray tap must not give the visit away), then keeps the appointment's
// id; the booking's own row hears of it from the patient's socket.
function confirmMove(start) {
  const box = document.getElementById("message");
  say(phrase(gettext("Move your appointment to %(when)s?"), { when: zone.moment(start) }), "info",
    el("span", { class: "confirm" },
      el("button", { type: "button", class: "primary", onclick: () => move(start) }, gettext("Yes, move it")),
      el("button", { type: "button", onclick: () => { box.hidden = true; } }, gettext("No"))));
  box.querySelector("button.primary").focus();
}

async function move(start) {
  say(phrase(gettext("Moving to %(when)s…"), { when: zone.moment(start) }));
  const reply = await api("POST", `/api/appointments/${moving}/reschedule/`, { start });
  if (reply.ok) say(phrase(gettext("Moved: your appointment is now %(when)s."), { when: zone.moment(start) }), "ok");
  else if (reply.status === 409 && reply.data?.code === "slot_taken") takenMessage(reply, zone, confirmMove);
  else say(errorText(reply.data), "error");
  // The button pressed is gone with the question: the keyboard goes on from the answer.
  const box = document.getElementById("message");
  box.tabIndex = -1;
  (box.querySelector("button") ?? box).focus();
}

// ?slot= in the page's address: once the week has loaded, that slot's review opens if it is
// still free; otherwise the page says so and shows the week.
function offerWanted() {
  if (!wanted) return;
  const cell = cells.get(instantKey(wanted));
  const asked = wanted;
  wanted = null;
  if (cell && clashes(cell)) say(phrase(gettext("You or your family already have a visit at %(when)s: here is the doctor's week."), { when: zone.moment(asked) }), "info");
  else if (cell?.state === "free" || cell?.state === "held-mine") book(cell.start);
  else say(phrase(gettext("%(when)s is no longer free: here is the doctor's week."), { when: zone.moment(asked) }), "info");
}

// A booking's own page moves it: no review step there (nor its dialog in the page).
const review = moving !== null ? null : bookingReview({
  doctorId, clinicId, zone, signedIn, patient: patientId !== null,
  onBooked: (start, end) => { cells.set(instantKey(start), { start, end, state: "mine" }); render(); },
  onTaken: (start) => {
    const cell = cells.get(instantKey(start));
    if (cell) { cell.state = "taken"; render(); }
  },
  focusBack: (start) => {
    const button = start && root.querySelector(`[data-start="${instantKey(start)}"]`);
    if (button && !button.disabled) button.focus();
    else (root.querySelector(".slot.free") ?? document.getElementById("next-week")).focus();
  },
});

document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") loadOwnVisits(); });
document.getElementById("prev-week").addEventListener("click", (e) => { e.preventDefault(); firstDay = addDays(firstDay, -days); watch(); });
document.getElementById("next-week").addEventListener("click", (e) => { e.preventDefault(); firstDay = addDays(firstDay, days); watch(); });
watch();
