// A doctor's own visits, a day or a week from any date (kept in the URL), live: requests
// accepted or rejected, visits completed, marked no-show or cancelled in place. Rejecting and
// cancelling ask for a reason the patient is told, in a small form on the row.
import { LiveFeed, api, askWhy, el, errorText, phoneNumber, phrase, pickSlot, redrawKeeping, say, statusLabel, takenMessage } from "./live.js";
import { PERSIAN, WEEK_START, addDays, clock } from "./local_dates.js";
import { documentsToggle } from "./documents.js";


const root = document.getElementById("day");
const doctorId = Number(root.dataset.doctor);
const today = root.dataset.today;
// 0 = Sunday ... 6 = Saturday: the clinics' setting; a Persian page's weeks start on Saturday.
const weekStart = PERSIAN ? WEEK_START : Number(root.dataset.weekStart);
let days = Number(root.dataset.days);
let firstDay = days === 7 ? startOfWeek(root.dataset.firstDay) : root.dataset.firstDay;
let zone = null;
let clinics = new Map();
let visits = new Map(); // appointment id -> slot with booking
let feed = null;

// The week view shows whole weeks, from the clinic's first day of the week.
function startOfWeek(ymd) {
  const weekday = new Date(`${ymd}T12:00:00Z`).getUTCDay();
  return addDays(ymd, -((weekday - weekStart + 7) % 7));
}

let arrived = false; // a snapshot of newly chosen days, not a live one

function watch({ remember = true } = {}) {
  const polling = feed?.polling ?? false;
  feed?.close();
  arrived = true;
  const url = `?from=${firstDay}&days=${days}`;
  if (remember && location.search !== url) history.pushState({ firstDay, days }, "", url); // Back returns here
  feed = new LiveFeed(`/ws/slots/${doctorId}/?from=${firstDay}&days=${days}`, {
    polling,
    idOf: (message) => message.key,
    onSnapshot: (snapshot, live) => {
      clinics = new Map(snapshot.clinics.map((c) => [c.id, c]));
      zone = clock(snapshot.clinics[0]?.timezone ?? "UTC");
      visits = new Map();
      for (const slot of snapshot.slots) {
        live.remember(slot.key, slot.version);
        if (slot.booking && !notAVisit(slot.booking)) visits.set(slot.booking.id, slot);
      }
      render();
      showAhead();
      // "Show it" brought the doctor here for this request: the keyboard goes on from it.
      if (focusAfter) root.querySelector(`li[data-appointment="${focusAfter}"]`)?.focus();
      focusAfter = null;
      // Arriving at a week, today comes into view (on a phone, the days before fill a screen).
      if (arrived) root.querySelector('[aria-current="date"]')?.scrollIntoView({ block: "nearest" });
      arrived = false;
    },
    onDelta: (slot) => {
      const known = slot.booking && visits.get(slot.booking.id);
      if (!known && slot.booking && notAVisit(slot.booking)) return undefined;
      if (!known) return "resync"; // a new visit: the patient's name comes with the snapshot
      // Another state: what may be undone (and until when) is the server's to say.
      if (known.booking.status !== slot.booking.status) return "resync";
      visits.set(slot.booking.id, { ...slot, booking: { ...known.booking, ...slot.booking } });
      render();
      return undefined;
    },
  });
}

// Requests waiting beyond the days shown: a week seen on its last day is all past, and a
// request for next week would go unanswered until someone looked there. How many, and the way
// to the first.
const ahead = document.getElementById("ahead");
let focusAfter = null; // the request "Show it" opened
async function showAhead() {
  const after = addDays(firstDay, days);
  const reply = await api("GET", `/api/appointments/?doctor=${doctorId}&status=pending&from=${after}&limit=1`);
  const first = reply.ok ? reply.data.results[0] : undefined;
  ahead.hidden = !first;
  if (!first) return;
  const day = zone.day(first.start);
  const count = reply.data.count;
  ahead.replaceChildren(
    phrase(ngettext("%(count)s request waiting later: the first on %(day)s.", "%(count)s requests waiting later: the first on %(day)s.", count), { count, day: zone.dayLabel(day) }),
    " ",
    el("button", { type: "button", class: "link", onclick: () => { focusAfter = first.id; move(days === 7 ? startOfWeek(day) : day); } }, gettext("Show it")));
}
// The socket hears the days shown only: a request for a later day is counted again every two
// minutes, and when the doctor comes back to the tab.
setInterval(() => { if (zone && !document.hidden) showAhead(); }, 120_000);
document.addEventListener("visibilitychange", () => { if (zone && !document.hidden) showAhead(); });

// A slot held while a patient reviews it (or such a hold let go) is no visit of the doctor's
// yet: booked, the same row comes back as one.
function notAVisit(booking) { return booking.status === "proposed" || booking.status === "released"; }

// What the rows show: a snapshot that changes none of it (a reconnect, a resync) leaves them
// be; redrawn, a click landing in between was lost.
let drawn = "";
function render() {
  const shown = JSON.stringify([firstDay, days, [...visits.values()].map((visit) => [visit, actionsOf(visit).map(([action]) => action)])]);
  if (shown === drawn) return;
  drawn = shown;
  redrawKeeping(root, draw);
}

function draw() {
  const byDay = new Map();
  for (let n = 0; n < days; n += 1) byDay.set(addDays(firstDay, n), []);
  for (const visit of [...visits.values()].sort((a, b) => a.start.localeCompare(b.start))) {
    byDay.get(zone.day(visit.start))?.push(visit);
  }
  root.replaceChildren(...[...byDay].map(([day, list]) => el("section", {
    class: ["card", day === today ? "today" : "", list.length ? "" : "empty"].join(" ").trim(),
    "data-day": day, "aria-current": day === today ? "date" : null,
  },
    el("h3", {}, zone.dayLabel(day, { year: PERSIAN }), day === today ? el("span", { class: "badge" }, gettext("today")) : null),
    list.length ? el("ul", { class: "rows" }, ...list.map(item)) : el("p", { class: "hint" }, gettext("Nothing booked.")))));
}

// What the doctor may do with a visit in each state; "started" actions wait for its start.
const ACTIONS = {
  pending: [["confirm", gettext("Confirm")], ["reject", gettext("Reject…")], ["reschedule", gettext("Reschedule…")]],
  booked: [["complete", gettext("Completed"), "started"], ["no-show", gettext("No-show"), "started"], ["reschedule", gettext("Reschedule…")], ["cancel", gettext("Cancel…")], ["undo", gettext("Undo")]],
  arrived: [["start", gettext("Call in")], ["complete", gettext("Completed")], ["follow-up", gettext("Follow-up…")], ["undo", gettext("Undo")]], // a patient checked in may be seen early
  in_consultation: [["complete", gettext("Completed")], ["follow-up", gettext("Follow-up…")], ["undo", gettext("Undo")]],
  fulfilled: [["follow-up", gettext("Follow-up…")], ["undo", gettext("Undo")]],
  noshow: [["undo", gettext("Undo")]],
};

// What a visit's row offers now: "started" actions wait for the visit's start; an undo, for
// the server to still take it.
function actionsOf({ start, booking }) {
  const started = new Date(start) <= new Date();
  const undoable = booking.undo_until && new Date(booking.undo_until) > new Date();
  return (ACTIONS[booking.status] ?? []).filter(([action, , when]) => (when !== "started" || started)
    && (action !== "undo" || undoable));
}

function item(visit) {
  const { booking } = visit;
  const clinic = clinics.size > 1 ? el("small", {}, " ", el("bdi", {}, clinics.get(visit.clinic_id)?.name ?? "")) : null;
  const actions = actionsOf(visit);
  const documents = documentsToggle(booking.id);
  // Each button is described by its visit's time and patient (found in review: a screen reader
  // heard "Cancel…" once a visit, with nothing to tell whose).
  const [time, who] = [`visit-${booking.id}-time`, `visit-${booking.id}-who`];
  // Focusable from script: after an action redraws the row, the keyboard stays on it.
  return el("li", { class: `row-item ${booking.status}`, "data-appointment": booking.id, "data-status": booking.status, tabindex: "-1" },
    el("span", { class: "time", id: time }, zone.time(visit.start)),
    el("span", { class: "who", id: who }, el("bdi", {}, booking.patient_name ?? ""), clinic),
    el("span", { class: `badge ${booking.status}` }, statusLabel(booking.status)),
    booking.asked_to_move ? el("span", { class: "badge moving" }, gettext("asked to move")) : null,
    details(booking),
    el("span", { class: "actions" }, ...actions.map(([action, label]) => el("button", {
      type: "button", "aria-describedby": `${time} ${who}`, onclick: (event) => act(visit, action, event.target.closest("li")),
    }, label)), noteLink(booking), documents.button),
    documents.panel);
}

// The phone and the reason, each isolated (phoneNumber): beside a reason in Persian.
function details({ patient_phone_shown: phone, reason }) {
  if (!phone && !reason) return null;
  return el("span", { class: "details" },
    phone ? phoneNumber(phone) : null,
    phone && reason ? " · " : null,
    reason ? el("bdi", { class: "reason" }, reason) : null);
}

// A completed visit's note: its own page (visit_note.js).
function noteLink({ id, status }) {
  if (status !== "fulfilled") return null;
  return el("a", { class: "button", href: `/doctor/visits/${id}/note/` }, gettext("Write visit note"));
}

async function act(visit, action, row) {
  const { booking } = visit;
  if (action === "reject" || action === "cancel") { askWhy(row, action, (reason) => send(booking, action, { reason })); return; }
  if (action === "reschedule") { reschedule(visit, row); return; }
  if (action === "follow-up") { followUp(visit, row); return; }
  await send(booking, action, {});
}

function reschedule(visit, row) {
  const { booking } = visit;
  const move = async (start) => {
    const reply = await api("POST", `/api/appointments/${booking.id}/reschedule/`, { start });
    if (reply.ok) say(phrase(gettext("%(name)s moved to %(when)s."), { name: booking.patient_name, when: zone.moment(start) }), "ok");
    else if (reply.status === 409 && reply.data?.alternatives) takenMessage(reply, zone, move);
    else say(errorText(reply.data), "error");
    return reply.ok;
  };
  pickSlot(row, { doctorId, clinicId: visit.clinic_id, day: zone.day(visit.start), zone, label: gettext("New time on"), choose: move });
}

// The next visit of the same patient, a week on by default, booked by the doctor.
function followUp(visit, row) {
  const { booking } = visit;
  const book = async (start) => {
    const reply = await api("POST", "/api/appointments/", {
      doctor_id: doctorId, clinic_id: visit.clinic_id, start, patient_id: booking.patient_id, reason: gettext("Follow-up"),
    });
    if (reply.ok) say(phrase(gettext("Follow-up for %(name)s booked on %(when)s."), { name: booking.patient_name, when: zone.moment(start) }), "ok");
    else if (reply.status === 409 && reply.data?.alternatives) takenMessage(reply, zone, book);
    else say(errorText(reply.data), "error");
    return reply.ok;
  };
  pickSlot(row, { doctorId, clinicId: visit.clinic_id, day: addDays(zone.day(visit.start), 7), zone, label: gettext("Follow-up on"), choose: book });
}

async function send(booking, action, body) {
  const reply = await api("POST", `/api/appointments/${booking.id}/${action}/`, body);
  if (reply.ok) {
    // Shown at once from the answer; the socket's delta (same version) then changes nothing.
    const visit = visits.get(booking.id);
    if (visit) {
      const { status, undo_until, asked_to_move } = reply.data;
      visit.booking = { ...visit.booking, status, undo_until, asked_to_move };
      feed.remember(visit.key, reply.data.version);
      render();
    }
    say(phrase(gettext("%(name)s: %(status)s."), { name: booking.patient_name, status: statusLabel(reply.data.status) }), "ok");
  } else say(errorText(reply.data), "error");
  return reply.ok;
}

// A visit's "Completed" and "No-show" appear when it begins, with no reload.
setInterval(() => { if (zone) render(); }, 30_000);

function move(to) { firstDay = to; say(""); watch(); } // another day's news is not this one's

document.getElementById("earlier").addEventListener("click", () => move(addDays(firstDay, -days)));
document.getElementById("later").addEventListener("click", () => move(addDays(firstDay, days)));
document.getElementById("today").addEventListener("click", () => move(days === 7 ? startOfWeek(today) : today));
for (const button of document.querySelectorAll(".toggle button")) {
  button.addEventListener("click", () => {
    days = Number(button.dataset.days);
    if (days === 7) firstDay = startOfWeek(firstDay);
    else if (firstDay <= today && today <= addDays(firstDay, 6)) firstDay = today; // this week: today
    pressToggle();
    watch();
  });
}

function pressToggle() {
  for (const other of document.querySelectorAll(".toggle button")) other.setAttribute("aria-pressed", String(Number(other.dataset.days) === days));
}

window.addEventListener("popstate", (event) => {
  if (!event.state) return;
  ({ firstDay, days } = event.state);
  pressToggle();
  watch({ remember: false });
});
history.replaceState({ firstDay, days }, "", `?from=${firstDay}&days=${days}`);
watch({ remember: false });
