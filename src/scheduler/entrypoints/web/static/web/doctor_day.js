// A doctor's own schedule, today or this week, live; pending requests answered in place.
import { LiveFeed, addDays, api, clock, el, errorText, say } from "./live.js";

const root = document.getElementById("day");
const doctorId = Number(root.dataset.doctor);
const firstDay = root.dataset.firstDay;
let days = 1;
let zone = null;
let clinics = new Map();
let visits = new Map(); // appointment id -> slot with booking
let feed = null;

function watch() {
  feed?.close();
  feed = new LiveFeed(`/ws/slots/${doctorId}/?from=${firstDay}&days=${days}`, {
    idOf: (message) => message.key,
    onSnapshot: (snapshot, live) => {
      clinics = new Map(snapshot.clinics.map((c) => [c.id, c]));
      zone = clock(snapshot.clinics[0]?.timezone ?? "UTC");
      visits = new Map();
      for (const slot of snapshot.slots) {
        live.remember(slot.key, slot.version);
        if (slot.booking) visits.set(slot.booking.id, slot);
      }
      render();
    },
    onDelta: (slot) => {
      const known = slot.booking && visits.get(slot.booking.id);
      if (!known) return "resync"; // a new visit: the patient's name comes with the snapshot
      visits.set(slot.booking.id, { ...slot, booking: { ...known.booking, ...slot.booking } });
      render();
      return undefined;
    },
  });
}

function render() {
  const byDay = new Map();
  for (let n = 0; n < days; n += 1) byDay.set(addDays(firstDay, n), []);
  for (const visit of [...visits.values()].sort((a, b) => a.start.localeCompare(b.start))) {
    byDay.get(zone.day(visit.start))?.push(visit);
  }
  root.replaceChildren(...[...byDay].map(([day, list]) => el("section", { class: "card" },
    el("h3", {}, zone.dayLabel(day)),
    list.length ? el("ul", { class: "rows" }, ...list.map(item)) : el("p", { class: "hint" }, "Nothing booked."))));
}

function item(visit) {
  const { booking } = visit;
  const clinic = clinics.size > 1 ? el("small", {}, ` ${clinics.get(visit.clinic_id)?.name ?? ""}`) : null;
  return el("li", { class: `row-item ${booking.status}`, "data-appointment": booking.id, "data-status": booking.status },
    el("span", { class: "time" }, zone.time(visit.start)),
    el("span", { class: "who" }, booking.patient_name ?? "", clinic),
    el("span", { class: `badge ${booking.status}` }, booking.status),
    booking.status === "pending" ? el("span", { class: "actions" },
      el("button", { type: "button", onclick: () => answer(booking, "confirm") }, "Accept"),
      el("button", { type: "button", onclick: () => answer(booking, "reject") }, "Reject")) : null);
}

async function answer(booking, action) {
  const reply = await api("POST", `/api/appointments/${booking.id}/${action}/`, {});
  if (reply.ok) say(`${booking.patient_name}: ${reply.data.status}.`, "ok");
  else say(errorText(reply.data), "error");
}

for (const button of document.querySelectorAll(".toggle button")) {
  button.addEventListener("click", () => {
    days = Number(button.dataset.days);
    for (const other of document.querySelectorAll(".toggle button")) other.setAttribute("aria-pressed", String(other === button));
    watch();
  });
}
watch();
