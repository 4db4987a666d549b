// The doctor's week at one clinic: free slots a signed-in patient books with a click; every
// booking or cancellation anywhere repaints the cell in every open browser.
import { LiveFeed, api, el, errorText, instantKey, isolated, phrase, say } from "./live.js";
import { PERSIAN, addDays, clock } from "./local_dates.js";


const root = document.getElementById("grid");
const doctorId = Number(root.dataset.doctor);
const clinicId = Number(root.dataset.clinic);
const patientId = root.dataset.patient ? Number(root.dataset.patient) : null;
const days = Number(root.dataset.days);
const zone = clock(root.dataset.timezone);
// The seven days from the one asked for (today by default), in every language: a booking grid
// starts where booking does, not at the calendar week's first day (which on a Thursday would
// leave five of seven columns past). Only real calendars (the date picker's month) keep weeks.
let firstDay = root.dataset.firstDay;
const today = zone.day(new Date().toISOString());
let cells = new Map(); // instant -> {start, end, state: free|taken|mine}
let feed = null;

function watch() {
  const polling = feed?.polling ?? false;
  feed?.close();
  cells = new Map();
  render();
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
        if (slot.clinic_id === clinicId && slot.state === "taken") place(slot);
      }
      render();
    },
    onDelta: (slot) => {
      if (slot.clinic_id !== clinicId) return;
      if (slot.released) release(slot.released);
      if (slot.state === "taken") place(slot); else release(slot);
      render();
    },
  });
}

function place(slot) {
  const mine = patientId !== null && slot.booking?.patient_id === patientId;
  cells.set(instantKey(slot.start), { start: slot.start, end: slot.end, state: mine ? "mine" : "taken" });
}

// A freed slot is offered again only while it is still ahead; the API has the last word.
function release(slot) {
  const key = instantKey(slot.start);
  if (new Date(slot.start) > new Date()) cells.set(key, { start: slot.start, end: slot.end, state: "free" });
  else cells.delete(key);
}

function render() {
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
      : el("p", { class: "hint" }, day < today ? gettext("past") : gettext("no free time")))));
}

function cellButton(key, cell) {
  const time = zone.time(cell.start);
  const label = {
    free: isolated(gettext("%(time)s, free"), { time: zone.moment(cell.start) }),
    taken: isolated(gettext("%(time)s, taken"), { time: zone.moment(cell.start) }),
    mine: isolated(gettext("%(time)s, yours"), { time: zone.moment(cell.start) }),
  }[cell.state];
  const shown = { free: time, taken: interpolate(gettext("%(time)s taken"), { time }, true), mine: interpolate(gettext("%(time)s yours"), { time }, true) }[cell.state];
  return el("button", {
    type: "button", class: `slot ${cell.state}`, "data-start": key, "data-state": cell.state,
    disabled: cell.state !== "free", "aria-label": label, onclick: () => book(cell.start),
  }, shown);
}

async function book(start) {
  if (patientId === null) {
    say(`${gettext("Sign in as a patient to book.")} `, "info",
      el("a", { href: `/login/?next=${encodeURIComponent(location.pathname + location.search)}` }, gettext("Sign in")));
    return;
  }
  say(phrase(gettext("Booking %(when)s…"), { when: zone.moment(start) }));
  const reply = await api("POST", "/api/appointments/", { doctor_id: doctorId, clinic_id: clinicId, start });
  if (reply.ok) {
    cells.set(instantKey(start), { start, end: reply.data.end, state: "mine" });
    render();
    say(phrase(reply.data.status === "pending"
      ? gettext("Requested: %(when)s (waiting for the doctor to confirm).")
      : gettext("Booked: %(when)s."), { when: zone.moment(start) }), "ok");
  } else if (reply.status === 409) {
    const alternatives = reply.data?.alternatives ?? [];
    if (reply.data?.holder !== "patient") {
      const cell = cells.get(instantKey(start));
      if (cell) cell.state = "taken";
      render();
    }
    const text = reply.data?.holder === "patient"
      ? gettext("You already have an appointment at that time.")
      : gettext("That slot was just taken.");
    say(alternatives.length ? `${text} ${gettext("Nearest free:")} ` : `${text} ${gettext("No free slot near it.")}`, "error",
      el("span", { class: "alternatives" }, ...alternatives.map((slot) => el("button", {
        type: "button", class: "slot free", onclick: () => book(slot.start),
      }, zone.moment(slot.start)))));
  } else if (reply.status === 401 || reply.status === 403) {
    say(reply.data?.detail ?? gettext("Sign in as a patient to book."), "error");
  } else {
    say(errorText(reply.data), "error");
  }
}

document.getElementById("prev-week").addEventListener("click", (e) => { e.preventDefault(); firstDay = addDays(firstDay, -days); watch(); });
document.getElementById("next-week").addEventListener("click", (e) => { e.preventDefault(); firstDay = addDays(firstDay, days); watch(); });
watch();
