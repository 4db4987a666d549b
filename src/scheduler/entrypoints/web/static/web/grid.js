// The doctor's week at one clinic: free slots a signed-in patient books with a click; every
// booking or cancellation anywhere repaints the cell in every open browser.
import { LiveFeed, addDays, api, clock, el, errorText, instantKey, say } from "./live.js";

const root = document.getElementById("grid");
const doctorId = Number(root.dataset.doctor);
const clinicId = Number(root.dataset.clinic);
const patientId = root.dataset.patient ? Number(root.dataset.patient) : null;
const days = Number(root.dataset.days);
const zone = clock(root.dataset.timezone);
let firstDay = root.dataset.firstDay;
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
  root.replaceChildren(...[...byDay].map(([day, dayCells]) => el("section", { class: "day", "data-day": day },
    el("h3", {}, zone.dayLabel(day)),
    dayCells.length
      ? el("div", { class: "slots" }, ...dayCells.map(([key, cell]) => cellButton(key, cell)))
      : el("p", { class: "hint" }, "no free time"))));
}

function cellButton(key, cell) {
  const label = { free: zone.time(cell.start), taken: `${zone.time(cell.start)} taken`, mine: `${zone.time(cell.start)} yours` }[cell.state];
  return el("button", {
    type: "button", class: `slot ${cell.state}`, "data-start": key, "data-state": cell.state,
    disabled: cell.state !== "free", "aria-label": label, onclick: () => book(cell.start),
  }, label);
}

async function book(start) {
  if (patientId === null) {
    say("Sign in as a patient to book. ", "info",
      el("a", { href: `/login/?next=${encodeURIComponent(location.pathname + location.search)}` }, "Sign in"));
    return;
  }
  say(`Booking ${zone.moment(start)}…`);
  const reply = await api("POST", "/api/appointments/", { doctor_id: doctorId, clinic_id: clinicId, start });
  if (reply.ok) {
    cells.set(instantKey(start), { start, end: reply.data.end, state: "mine" });
    render();
    say(`Booked: ${zone.moment(start)}${reply.data.status === "pending" ? " (waiting for the doctor to confirm)" : ""}.`, "ok");
  } else if (reply.status === 409) {
    const alternatives = reply.data?.alternatives ?? [];
    if (reply.data?.holder !== "patient") {
      const cell = cells.get(instantKey(start));
      if (cell) cell.state = "taken";
      render();
    }
    const text = reply.data?.holder === "patient"
      ? "You already have an appointment at that time."
      : "That slot was just taken.";
    say(alternatives.length ? `${text} Nearest free: ` : `${text} No free slot near it.`, "error",
      el("span", { class: "alternatives" }, ...alternatives.map((slot) => el("button", {
        type: "button", class: "slot free", onclick: () => book(slot.start),
      }, zone.moment(slot.start)))));
  } else if (reply.status === 401 || reply.status === 403) {
    say(reply.data?.detail ?? "Sign in as a patient to book.", "error");
  } else {
    say(errorText(reply.data), "error");
  }
}

document.getElementById("prev-week").addEventListener("click", (e) => { e.preventDefault(); firstDay = addDays(firstDay, -days); watch(); });
document.getElementById("next-week").addEventListener("click", (e) => { e.preventDefault(); firstDay = addDays(firstDay, days); watch(); });
watch();
