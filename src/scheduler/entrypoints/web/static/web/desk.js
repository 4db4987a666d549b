// The reception desk: the clinic's day per doctor, live; check-in, no-show, cancel,
// reschedule, confirm or reject, and bookings for walk-ins and phone calls.
import { LiveFeed, api, askWhy, backToRow, el, errorText, instantKey, isolated, minutesUntil, phoneNumber, phrase, pickSlot, redrawKeeping, sameDayNote, say, slotPicker, statusLabel, takenMessage, visitsThatDay } from "./live.js";
import { addDays, clock } from "./local_dates.js";
import { hideNoShows, showNoShows } from "./no_shows.js";
import { documentsToggle } from "./documents.js";


const root = document.getElementById("desk");
const clinicId = Number(root.dataset.clinic);
const zone = clock(root.dataset.timezone);
const dayInput = document.getElementById("desk-day");
let doctors = [];
let rows = new Map(); // appointment id -> row
let feed = null;

const ACTIONS = {
  pending: [["confirm", gettext("Confirm")], ["reject", gettext("Reject…")], ["reschedule", gettext("Reschedule…")], ["cancel", gettext("Cancel…")]],
  booked: [["check-in", gettext("Check in"), "today"], ["no-show", gettext("No-show"), "started"], ["reschedule", gettext("Reschedule…")], ["cancel", gettext("Cancel…")]],
  arrived: [["start", gettext("Call in")], ["no-show", gettext("Left without being seen")], ["undo", gettext("Undo check-in")]],
  in_consultation: [["undo", gettext("Undo call-in")]],
  noshow: [["undo", gettext("Undo no-show")]],
};

function watch() {
  const polling = feed?.polling ?? false;
  feed?.close();
  rows = new Map(); // another day: nothing of the last one stays clickable while it loads
  root.replaceChildren(el("p", { class: "hint" }, gettext("Loading…")));
  history.replaceState(null, "", `?date=${dayInput.value}`); // a reload stays on this day
  bookingDay.value = dayInput.value; // walk-ins and calls are booked on the day in view
  loadBookingSlots();
  const today = zone.day(new Date().toISOString());
  const label = zone.longDay(dayInput.value, { year: true }); // as the server wrote it first
  document.getElementById("desk-day-label").replaceChildren(dayInput.value === today
    ? phrase(gettext("%(day)s, today"), { day: label }) : label);
  feed = new LiveFeed(`/ws/desk/${clinicId}/?date=${dayInput.value}`, {
    polling,
    idOf: (message) => message.id,
    onSnapshot: (snapshot, live) => {
      doctors = snapshot.doctors;
      rows = new Map(snapshot.appointments.map((row) => [row.id, row]));
      for (const row of rows.values()) live.remember(row.id, row.version);
      render();
      // A snapshot follows what the socket may not have brought (a reconnect, a gap, a
      // restart of the server's messaging): the picker's free slots are read again too.
      if (patient) loadBookingSlots();
    },
    onDelta: (change) => {
      if (change.type === "availability") { refreshPickerWithin(change); return undefined; }
      // One of the chosen patient's visits changed (a cancel here, a booking elsewhere): the
      // note read again (found in review: it went on saying a visit cancelled).
      if (patient && change.patient_id === patient.id) sayVisitsThatDay({ again: true });
      refreshPicker(change);
      const row = rows.get(change.id);
      if (!row) return zone.day(change.start) === dayInput.value ? "resync" : undefined; // a new row: names come with the snapshot
      if (row.status !== change.status || zone.day(change.start) !== dayInput.value) closeFormsOn(row, change);
      update(row, change);
      return undefined;
    },
  });
}

// Someone else changed the visit a reason form or picker is open on: it no longer applies.
function closeFormsOn(row, change) {
  const open = root.querySelectorAll(`li[data-appointment="${row.id}"] > form.why, li[data-appointment="${row.id}"] > .picker`);
  if (!open.length) return;
  open.forEach((node) => backToRow(node));
  say(phrase(gettext("%(name)s's visit changed meanwhile (now: %(status)s, %(when)s): nothing was sent."),
    { name: row.patient_name, status: statusLabel(change.status), when: zone.moment(change.start) }), "error");
}

// A change shown at once; then the day is asked for again: the waiting room's order and times,
// what may be undone and who must move are the server's to say.
function update(row, change) {
  Object.assign(row, { status: change.status, start: change.start, end: change.end, version: change.version });
  if (zone.day(row.start) !== dayInput.value) rows.delete(row.id);
  render();
  feed?.resync();
}

function render() {
  redrawKeeping(root, draw);
  tick();
  // An undo button goes when the server would no longer take it back.
  clearTimeout(undoTimer);
  const left = [...rows.values()].map((row) => new Date(row.undo_until ?? 0) - Date.now()).filter((ms) => ms > 0);
  if (left.length) undoTimer = setTimeout(render, Math.min(...left) + 500);
}
let undoTimer = null;

function draw() {
  const today = dayInput.value === zone.day(new Date().toISOString());
  root.replaceChildren(...doctors.map((doctor) => {
    const theirs = [...rows.values()].filter((row) => row.doctor_id === doctor.id)
      .sort((a, b) => a.start.localeCompare(b.start));
    const waiting = theirs.filter((row) => row.queue?.place === "waiting").length;
    const inRoom = theirs.find((row) => row.status === "in_consultation");
    return el("section", { class: "card doctor-day", "data-doctor": doctor.id },
      el("h3", {}, el("bdi", {}, doctor.name), " ", el("span", { class: "hint" }, el("bdi", {}, doctor.specialty))),
      today && theirs.length ? el("p", { class: "room", "data-waiting": waiting },
        phrase(gettext("Waiting: %(count)s"), { count: waiting }), " · ",
        inRoom ? phrase(gettext("With the doctor: %(name)s"), { name: inRoom.patient_name }) : gettext("The doctor is free")) : null,
      theirs.length
        ? el("ul", { class: "rows" }, ...theirs.map(rowItem))
        : el("p", { class: "hint" }, gettext("No appointments.")));
  }));
}

// What the desk may do now: a check-in on the day of the visit, a no-show once it has begun,
// an undo while the server still takes it.
function allowed(row) {
  const today = zone.day(new Date().toISOString());
  return (ACTIONS[row.status] ?? []).filter(([action, , when]) => (when !== "today" || zone.day(row.start) === today)
    && (when !== "started" || new Date(row.start) <= new Date())
    && (action !== "undo" || (row.undo_until && new Date(row.undo_until) > new Date())));
}

// Keys on a focused visit: the desk's most frequent moves, without reaching for the mouse. By
// the key's place as well as its letter: on a Persian layout the C key types «ز».
const KEYS = { c: "check-in", i: "start", n: "no-show", u: "undo" };
const KEY_CODES = { KeyC: "check-in", KeyI: "start", KeyN: "no-show", KeyU: "undo" };

function rowItem(row) {
  const documents = documentsToggle(row.id);
  const onkeydown = (event) => {
    const action = KEYS[event.key.toLowerCase()] ?? KEY_CODES[event.code];
    if (!action || event.target !== event.currentTarget || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!allowed(row).some(([name]) => name === action)) return;
    event.preventDefault();
    act(row, action, event.currentTarget);
  };
  return el("li", { class: `row-item ${row.status}`, "data-appointment": row.id, "data-status": row.status, tabindex: "0", onkeydown,
    "aria-label": isolated(gettext("%(time)s %(name)s (%(status)s)"), { time: zone.time(row.start), name: row.patient_name, status: statusLabel(row.status) }) },
    el("span", { class: "time" }, zone.time(row.start)),
    el("span", { class: "who" }, el("bdi", {}, row.patient_name), row.patient_phone_shown ? el("small", {}, " ", phoneNumber(row.patient_phone_shown)) : null),
    el("span", { class: `badge ${row.status}` }, statusLabel(row.status)),
    row.asked_to_move ? el("span", { class: "badge moving" }, gettext("asked to move")) : null,
    queueInfo(row),
    el("span", { class: "actions" }, ...allowed(row).map(([action, label]) => el("button", {
      type: "button", onclick: (event) => act(row, action, event.target),
    }, label)), documents.button),
    documents.panel);
}

// A waiting patient's place: position, minutes waited, when the doctor will likely call them.
function queueInfo(row) {
  const line = row.queue;
  if (line?.place !== "waiting") return null;
  return el("span", { class: "queue", "data-since": line.waiting_since, "data-call": line.expected_call },
    phrase(gettext("#%(position)s in line"), { position: line.position }), " · ",
    line.waiting_since ? phrase(gettext("arrived %(time)s"), { time: zone.time(line.waiting_since) }) : null,
    line.waiting_since ? pgettext("between two items of a list", ", ") : null,
    el("span", { class: "waited" }), " · ", el("span", { class: "expected" }));
}

// The minutes shown move on with the clock, between the server's updates.
function tick() {
  for (const info of root.querySelectorAll(".queue")) {
    const waited = -minutesUntil(info.dataset.since);
    const call = minutesUntil(info.dataset.call);
    const minutes = Math.max(0, waited);
    info.querySelector(".waited").replaceChildren(phrase(ngettext("waiting %(minutes)s min", "waiting %(minutes)s min", minutes), { minutes }));
    info.querySelector(".expected").replaceChildren(call > 0
      ? phrase(ngettext("called in about %(minutes)s min (%(time)s)", "called in about %(minutes)s min (%(time)s)", call), { minutes: call, time: zone.time(info.dataset.call) })
      : gettext("next, as soon as the doctor is free"));
  }
}
setInterval(tick, 30_000);

async function act(row, action, button) {
  if (action === "reschedule") { pickNewSlot(row, button.closest("li")); return; }
  if (action === "reject" || action === "cancel") {
    askWhy(button.closest("li"), action, (reason) => send(row, action, { reason }));
    return;
  }
  await send(row, action, {});
}

// The server's answer to an action, shown at once (its delta, of the same version, is then
// dropped). The row as it is now: a snapshot may have replaced it while the form was open.
function settled(row, answer) {
  update(rows.get(row.id) ?? row, answer);
  feed.remember(row.id, answer.version);
}

async function send(row, action, body) {
  const reply = await api("POST", `/api/appointments/${row.id}/${action}/`, body);
  if (reply.ok) {
    settled(row, reply.data); say(phrase(gettext("%(name)s: %(status)s."), { name: row.patient_name, status: statusLabel(reply.data.status) }), "ok");
  } else say(errorText(reply.data), "error");
  return reply.ok;
}

function pickNewSlot(row, item) {
  const move = async (start) => {
    const reply = await api("POST", `/api/appointments/${row.id}/reschedule/`, { start });
    if (reply.ok) { settled(row, reply.data); say(phrase(gettext("%(name)s moved to %(when)s."), { name: row.patient_name, when: zone.moment(start) }), "ok"); }
    else if (reply.status === 409 && reply.data?.alternatives) takenMessage(reply, zone, move);
    else say(errorText(reply.data), "error");
    return reply.ok;
  };
  pickSlot(item, { doctorId: row.doctor_id, clinicId, day: zone.day(row.start), zone, label: gettext("New time on"), choose: move });
}

// -- new bookings --------------------------------------------------------------------------
let patient = null;
const results = document.getElementById("patient-results");
const chosen = document.getElementById("patient-chosen");
const bookingDoctor = document.getElementById("booking-doctor");
const bookingDay = document.getElementById("booking-day");
const bookingSlots = document.getElementById("booking-slots");

async function choosePatient(found) {
  patient = found;
  say(""); // a refusal's alternatives were for the one chosen before
  chosen.replaceChildren(found.phone_shown
    ? phrase(gettext("Booking for %(name)s (%(phone)s)."), { name: found.name, phone: phoneNumber(found.phone_shown) })
    : phrase(gettext("Booking for %(name)s."), { name: found.name }));
  results.replaceChildren();
  showNoShows(found, clinicId, zone); // a badge when the clinic's no-show policy counts against them
  await loadBookingSlots();
  bookingDoctor.focus(); // the next choice: whom (or straight on to the slots by Tab)
}

// The chosen patient's visits here on the booking's day, said before another is booked then
// (sameDayNote): read when the patient or the day changes, or one of their visits does (the
// slots' other live reloads keep them); only the newest choice's are said.
let sameDayOf = "";
let sameDayVisits = [];
// Times the server refused as the patient's own: a visit at a clinic this desk may not see
// (found in review: offered again after the refusal). Kept for the same patient and day.
let refusedAsTheirs = [];
async function sayVisitsThatDay({ again = false } = {}) {
  const forPatient = patient;
  const key = forPatient ? `${forPatient.id} ${bookingDay.value}` : "";
  if (key === sameDayOf && !again) return;
  const shown = document.getElementById("patient-same-day");
  if (key !== sameDayOf) { // someone else, or another day: nothing of the last said meanwhile
    sameDayVisits = [];
    refusedAsTheirs = [];
    markClashes();
    shown.replaceChildren();
  }
  sameDayOf = key;
  if (!forPatient) return;
  const visits = await visitsThatDay(bookingDay.value, forPatient.id);
  if (key !== sameDayOf) return;
  sameDayVisits = visits;
  markClashes();
  shown.replaceChildren();
  if (!visits.length) return;
  // The day named (found in review: "that day" read as today beside the desk's own day).
  const heading = ngettext("%(name)s already has a visit on %(day)s:", "%(name)s already has visits on %(day)s:", visits.length);
  const day = zone.longDay(bookingDay.value);
  shown.replaceChildren(sameDayNote(visits, phrase(heading, { name: forPatient.name, day }), { clinicId }));
}

// A slot the chosen patient is booked over already: shown, not offered, since the booking
// would be refused as theirs (found in review: offered as free, and a jump landed on one).
function markClashes() {
  const why = gettext("The patient already has an appointment then.");
  for (const button of bookingSlots.querySelectorAll("button.slot[data-end]")) {
    const [start, end] = [new Date(button.dataset.start), new Date(button.dataset.end)];
    const clash = [...sameDayVisits, ...refusedAsTheirs].some((visit) => new Date(visit.start) < end && start < new Date(visit.end));
    button.disabled = clash;
    button.classList.toggle("clash", clash);
    button.title = clash ? why : "";
    // Said to a screen reader too (found in review: only a mouse's hover told why).
    button.dataset.label ??= button.getAttribute("aria-label");
    button.setAttribute("aria-label", clash ? `${button.dataset.label}. ${why}` : button.dataset.label);
  }
}

let searchTimer = null;
document.getElementById("patient-search").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  if (patient) { // a new search is for someone else: no booking for the one chosen before
    patient = null;
    say("");
    chosen.textContent = gettext("No patient chosen.");
    hideNoShows();
    loadBookingSlots();
  }
  const q = event.target.value.trim();
  if (q.length < 2) { results.replaceChildren(); return; }
  searchTimer = setTimeout(async () => {
    const reply = await api("GET", `/api/patients/?q=${encodeURIComponent(q)}&limit=10`);
    if (!reply.ok) { say(errorText(reply.data), "error"); return; }
    results.replaceChildren(...reply.data.results.map((found) => el("li", {},
      el("button", { type: "button", onclick: () => choosePatient(found) }, el("bdi", {}, found.name), found.phone_shown ? " " : null, found.phone_shown ? phoneNumber(found.phone_shown) : null))));
    if (!reply.data.results.length) results.replaceChildren(el("li", { class: "hint" }, gettext("No one found among this clinic's patients: type their whole phone number, or add them below.")));
  }, 250);
});

// ↓ from the search box into the results, ↑/↓ among them, Enter (a button) chooses.
function resultButtons() { return [...results.querySelectorAll("button")]; }
document.getElementById("patient-search").addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && resultButtons().length) { event.preventDefault(); resultButtons()[0].focus(); }
  if (event.key === "Enter" && resultButtons().length) { event.preventDefault(); resultButtons()[0].click(); }
});
results.addEventListener("keydown", (event) => {
  const buttons = resultButtons();
  const at = buttons.indexOf(document.activeElement);
  if (event.key === "ArrowDown" && at < buttons.length - 1) { event.preventDefault(); buttons[at + 1].focus(); }
  if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? buttons[at - 1] : document.getElementById("patient-search")).focus(); }
});

// Opening "New patient" carries over what was searched: a number to the phone, words to the names.
document.getElementById("new-patient").addEventListener("toggle", (event) => {
  if (!event.target.open) return;
  const form = document.getElementById("new-patient-form");
  const typed = document.getElementById("patient-search").value.trim();
  if (/^[+0-9۰-۹٠-٩][0-9۰-۹٠-٩\s()-]{5,}$/.test(typed)) form.phone.value ||= typed;
  else if (typed) {
    const [first, ...rest] = typed.split(/\s+/);
    form.first_name.value ||= first;
    form.last_name.value ||= rest.join(" ");
  }
  form.first_name.focus();
});

async function addPatient(formElement, extra = {}) {
  const reply = await api("POST", "/api/patients/", { ...Object.fromEntries(new FormData(formElement)), ...extra });
  if (reply.ok) { formElement.reset(); choosePatient(reply.data); say(phrase(gettext("Added %(name)s."), { name: reply.data.name }), "ok"); }
  else if (reply.status === 409 && reply.data?.patient) {
    // The number is someone's already: most often that person; sometimes a family's phone.
    const existing = reply.data.patient;
    const bookFor = el("button", { type: "button", onclick: () => { formElement.reset(); say(""); choosePatient(existing); } }, phrase(gettext("Book for %(name)s"), { name: existing.name }));
    say(`${reply.data.detail} `, "error", el("span", { class: "alternatives" },
      bookFor,
      el("button", { type: "button", onclick: () => { say(""); addPatient(formElement, { same_phone_ok: true }); } }, gettext("Add a new patient with this phone"))));
    bookFor.focus(); // the likelier answer, one Enter away
  } else say(errorText(reply.data, formElement), "error");
}

document.getElementById("new-patient-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await addPatient(event.target);
});

// The picker lists free slots: a change at its doctor on its day repaints it.
function refreshPicker(change) {
  if (!patient || change.doctor_id !== Number(bookingDoctor.value)) return;
  const days = [change.start, change.previous?.start].filter(Boolean).map((at) => zone.day(at));
  if (days.includes(bookingDay.value)) loadBookingSlots();
}

// The doctor's hours or days off changed (or their own calendar): a picker of a day within
// that span lists afresh.
function refreshPickerWithin(span) {
  if (!patient || span.doctor_id !== Number(bookingDoctor.value)) return;
  const last = new Date(new Date(span.end) - 1).toISOString();
  if (zone.day(span.start) <= bookingDay.value && bookingDay.value <= zone.day(last)) loadBookingSlots();
}

// The picker shown, and for whom: a reply that lists the same for the same is not redrawn (no
// focus moved, no click lost); only the newest request's reply is shown.
let pickerShown = null;
let pickerAsked = 0;

// ``told``: the page has said already why a slot went (a refusal, with its alternatives).
// ``focusOn``: the slot to put the keyboard on (the next free one, jumped to), as if it had it.
async function loadBookingSlots({ told = false, focusOn = null } = {}) {
  const forPatient = patient; // a live reload may finish after a booking cleared the choice
  sayVisitsThatDay();
  const asked = ++pickerAsked;
  if (!forPatient) {
    pickerShown = null;
    bookingSlots.replaceChildren(el("p", { class: "hint" }, gettext("Choose a patient first.")));
    return;
  }
  const reason = document.getElementById("booking-reason");
  const doctorId = Number(bookingDoctor.value);
  // A button left from the patient or the doctor chosen before does nothing.
  const current = () => patient === forPatient && Number(bookingDoctor.value) === doctorId;
  const book = async (start) => {
    if (!current()) return;
    const reply = await api("POST", "/api/appointments/", {
      doctor_id: doctorId, clinic_id: clinicId, start, patient_id: forPatient.id,
      patient_ref: forPatient.ref, // a patient new to the clinic is booked on the ref found with them
      reason: reason.value.trim(),
    });
    if (reply.ok) {
      say(phrase(gettext("Booked %(name)s on %(when)s."), { name: forPatient.name, when: zone.moment(start) }), "ok");
      patient = null; // the next booking is for the next person: choose them first
      reason.value = ""; // what this one said is not the next one's reason
      chosen.textContent = gettext("No patient chosen.");
      document.getElementById("patient-search").value = "";
      document.getElementById("patient-search").focus(); // the keyboard goes on to the next one
      loadBookingSlots();
    } else if (reply.status === 409 && reply.data?.alternatives) {
      const slot = bookingSlots.querySelector(`button[data-start="${instantKey(start)}"]`);
      if (reply.data.holder === "patient" && slot) {
        refusedAsTheirs.push({ start, end: slot.dataset.end });
        markClashes();
      }
      takenMessage(reply, zone, book);
      loadBookingSlots({ told: true }); // the picker had missed it: it no longer offers that slot
    } else say(errorText(reply.data), "error");
  };
  const toDay = (day, start) => {
    if (!current()) return;
    bookingDay.value = day;
    loadBookingSlots({ focusOn: instantKey(start) });
  };
  const picker = await slotPicker(doctorId, clinicId, bookingDay.value, zone, book, toDay);
  if (asked !== pickerAsked || patient !== forPatient) return; // a newer one is on its way
  const listed = [forPatient, doctorId, bookingDay.value, picker.textContent,
    ...[...picker.querySelectorAll("button")].map((button) => button.dataset.start)];
  if (pickerShown && listed.length === pickerShown.length && listed.every((item, n) => item === pickerShown[n])) return;
  pickerShown = listed;
  // The keyboard moves only if it is in the slots: a jump's answer may come after it went on
  // to the reason, where a space would press the slot. On the next-free button, a reload that
  // is no jump puts it on the first choice there is, with no slot said taken.
  const active = bookingSlots.contains(document.activeElement) ? document.activeElement : null;
  const onNextFree = active?.classList.contains("next-free") && !focusOn;
  const focused = active && !onNextFree ? focusOn ?? active.dataset.start : null;
  bookingSlots.replaceChildren(picker);
  markClashes();
  if (focused) keepFocusNear(focused, told);
  else if (onNextFree) (bookingSlots.querySelector("button") ?? bookingDay).focus();
}

// Read again under the keyboard: the focus stays on its slot; when someone took that one, it
// goes to the next free (or the last before it), and the page says so.
function keepFocusNear(start, told) {
  const buttons = [...bookingSlots.querySelectorAll("button[data-start]")];
  const same = buttons.find((button) => button.dataset.start === start);
  if (same) { same.focus(); return; }
  (buttons.find((button) => button.dataset.start > start) ?? buttons.at(-1) ?? bookingDay).focus();
  if (!told) say(phrase(gettext("%(time)s was just taken."), { time: zone.time(start) }), "error");
}

bookingDoctor.addEventListener("change", () => loadBookingSlots());
bookingDay.addEventListener("change", () => loadBookingSlots());
dayInput.addEventListener("change", watch);
for (const [id, step] of [["desk-prev", -1], ["desk-next", 1]]) {
  document.getElementById(id).addEventListener("click", () => { dayInput.value = addDays(dayInput.value, step); watch(); });
}
document.getElementById("desk-today").addEventListener("click", () => { dayInput.value = zone.day(new Date().toISOString()); watch(); });
watch();
