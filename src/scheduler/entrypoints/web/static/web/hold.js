// The slot under review, held for the patient (POST /api/holds/) while the booking dialog is
// open: others see it held, live. A countdown shows how long is left; screen readers hear it
// at whole minutes and near the end, not every second. Closing the dialog lets the hold go,
// and so does leaving the page (a beacon on pagehide, which outlives the page).
import { api, csrfToken } from "./live.js";
import { digits } from "./local_dates.js";

// Said aloud at these many seconds left (and when the hold starts and ends).
const SPOKEN = new Set([240, 180, 120, 60, 30]);

/** ``shown``: the visible countdown (hidden from screen readers); ``said``: a polite live
 * region. Returns {hold(start) -> the API's reply (null if overtaken), holdId(), booked(),
 * letGo(), settled()}. */
export function slotHold({ doctorId, clinicId, shown, said }) {
  let current = null; // {id, expiresAt}
  let timer = null;
  let asked = 0; // the latest hold request: a slow reply to an older one is let go
  // The latest hold request or release, settled: each waits for the one before, so that a
  // release and the next hold (of the same time, say) reach the server in the order made.
  let inFlight = Promise.resolve();
  const after = (call) => (inFlight = inFlight.then(call, call));

  const left = () => Math.max(0, Math.round((current.expiresAt - Date.now()) / 1000));
  const minutesAndSeconds = (seconds) =>
    digits(`${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`);

  function tick() {
    if (!current) return;
    const seconds = left();
    if (seconds === 0) {
      stop();
      shown.textContent = gettext("Your hold on this time has ended. You can still confirm if it is free.");
      said.textContent = shown.textContent;
      current = null;
      return;
    }
    shown.textContent = interpolate(gettext("Held for you for %(time)s"), { time: minutesAndSeconds(seconds) }, true);
    if (SPOKEN.has(seconds)) {
      said.textContent = seconds >= 60
        ? interpolate(ngettext("Held for you for %(count)s more minute.", "Held for you for %(count)s more minutes.", seconds / 60), { count: digits(String(seconds / 60)) }, true)
        : interpolate(gettext("Held for you for %(count)s more seconds."), { count: digits(String(seconds)) }, true);
    }
  }

  function stop() {
    clearInterval(timer);
    timer = null;
  }

  function clear() {
    stop();
    current = null;
    shown.hidden = true;
    shown.textContent = "";
    said.textContent = "";
  }

  async function hold(start) {
    letGo();
    const ticket = ++asked;
    const reply = await after(() => api("POST", "/api/holds/", { doctor_id: doctorId, clinic_id: clinicId, start }));
    if (ticket !== asked) { // closed or moved on meanwhile
      if (reply.ok) after(() => api("DELETE", `/api/holds/${reply.data.id}/`));
      return null;
    }
    if (!reply.ok) return reply;
    current = { id: reply.data.id, expiresAt: new Date(reply.data.expires_at) };
    shown.hidden = false;
    said.textContent = interpolate(ngettext("This time is held for you for %(count)s minute.", "This time is held for you for %(count)s minutes.", Math.ceil(left() / 60)),
      { count: digits(String(Math.ceil(left() / 60))) }, true);
    tick();
    timer = setInterval(tick, 1000);
    return reply;
  }

  /** The hold became the booking: nothing to let go. */
  function booked() {
    asked += 1;
    clear();
  }

  function letGo() {
    asked += 1;
    if (current) {
      const { id } = current;
      after(() => api("DELETE", `/api/holds/${id}/`));
    }
    clear();
  }

  /** Settles once no hold request is on its way: a booking sent before would race it. */
  function settled() {
    return inFlight;
  }

  // Leaving the page: a beacon, as a page that is going away can still send one. Its body
  // carries the CSRF token, as a form's would (a beacon sets no headers).
  window.addEventListener("pagehide", () => {
    if (!current) return;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(`/api/holds/${current.id}/release/`, body);
    clear();
  });

  return { hold, holdId: () => current?.id ?? null, booked, letGo, settled };
}
