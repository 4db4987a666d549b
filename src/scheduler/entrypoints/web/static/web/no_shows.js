// The desk's view of a patient's no-shows at its clinic, shown when the patient is chosen for a
// booking: the policy's badge ("No-shows in the last 6 months: 2. Online bookings need
// approval.") and each missed visit, with "Forgive one…" (a reason asked) on those that count.
import { api, el, errorText, phrase, say } from "./live.js";

const box = () => document.getElementById("patient-no-shows");

export function hideNoShows() {
  box().hidden = true;
  box().replaceChildren();
}

export async function showNoShows(patient, clinicId, zone) {
  const reply = await api("GET", `/api/patients/${patient.id}/no-shows/?clinic=${clinicId}`);
  if (!reply.ok || !reply.data.no_shows.length) { hideNoShows(); return; }
  const { warning, standing, no_shows: missed } = reply.data;
  box().replaceChildren(
    warning ? el("p", { class: `no-show-badge ${standing.consequence ?? ""}`.trim(), id: "no-show-badge", tabindex: "-1" }, warning) : null,
    el("ul", { class: "no-show-list", "aria-label": gettext("Missed visits") },
      ...missed.map((visit) => item(visit, patient, clinicId, zone))));
  box().hidden = false;
}

function item(visit, patient, clinicId, zone) {
  const row = el("li", { "data-missed": visit.appointment_id }, phrase(gettext("Missed: %(when)s"), { when: zone.moment(visit.start) }));
  if (visit.forgiven_at) {
    row.append(" ", el("span", { class: "hint" }, phrase(gettext("forgiven by %(name)s: %(reason)s"),
      { name: visit.forgiven_by ?? "", reason: visit.forgiven_reason })));
  } else {
    row.append(" ", el("button", { type: "button", onclick: () => ask(row, visit, patient, clinicId, zone) }, gettext("Forgive one…")));
  }
  return row;
}

function ask(row, visit, patient, clinicId, zone) {
  row.querySelector("form")?.remove();
  const reason = el("input", { type: "text", name: "reason", maxlength: "500", required: true, autocomplete: "off" });
  const form = el("form", { class: "why" },
    el("label", {}, gettext("Why is it forgiven? (kept in the record)"), " ", reason),
    el("button", { type: "submit" }, gettext("Forgive the no-show")),
    el("button", { type: "button", onclick: () => { form.remove(); row.querySelector("button")?.focus(); } }, gettext("Keep it")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reply = await api("POST", `/api/appointments/${visit.appointment_id}/forgive-no-show/`, { reason: reason.value.trim() });
    if (!reply.ok) { say(errorText(reply.data, form), "error"); reason.focus(); return; }
    say(phrase(gettext("A no-show of %(name)s is forgiven."), { name: patient.name }), "ok");
    await showNoShows(patient, clinicId, zone);
    (document.getElementById("no-show-badge") ?? box().querySelector("li"))?.focus();
  });
  row.append(form);
  reason.focus();
}
