// What every live page shares: the REST calls (session + CSRF), a socket that keeps itself
// open and in step (snapshot, then deltas; duplicates dropped, gaps re-fetched), and times
// shown on the clinic's clock, in the page's calendar (local_dates.js).
import { LANGUAGE, addDays, clock, digits } from "./local_dates.js";
import { datePicker } from "./date_picker.js";

export { addDays, clock } from "./local_dates.js";


// Mixed-direction text: a name, a time or a phone number put into a sentence of the other
// direction is isolated, so "Booked: Sara Ahmadi, دوشنبه ۱۶ آذر، ساعت ۱۴:۳۰" reads in order.
// Numbers take the page's digits.
const shown = (value) => (typeof value === "number" ? digits(value) : value);

/** A translated sentence with each %(name)s value in its own <bdi>, for the page. */
export function phrase(text, values = {}) {
  const fragment = document.createDocumentFragment();
  for (const [index, part] of text.split(/%\((\w+)\)s/).entries()) {
    if (index % 2 === 0) { if (part) fragment.append(part); continue; }
    const value = values[part];
    const bdi = document.createElement("bdi");
    bdi.append(value instanceof Node ? value : String(shown(value ?? "")));
    fragment.append(bdi);
  }
  return fragment;
}

/** The same as plain text, for attributes (aria-label, title): values between the Unicode
 * isolates FSI and PDI. */
export const isolated = (text, values = {}) => text.replace(/%\((\w+)\)s/g,
  (_, name) => `\u2068${shown(values[name] ?? "")}\u2069`);

export const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

// The page's language, not only the browser's: a page served in its clinic's language to a
// reader who chose none has its answers and refusals in that language too (a reader's own
// choice, stored or in the cookie, still comes first on the server, as it did for the page).
export async function api(method, url, body) {
  const headers = { Accept: "application/json", "Accept-Language": LANGUAGE };
  if (method !== "GET") {
    headers["X-CSRFToken"] = csrfToken();
    headers["Content-Type"] = "application/json";
    if (method === "POST" && url === "/api/appointments/") headers["Idempotency-Key"] = crypto.randomUUID();
  }
  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, data: { detail: gettext("No connection to the server: nothing was changed. Try again in a moment.") } };
  }
  let data = null;
  try { data = await response.json(); } catch { /* an empty or HTML body */ }
  return { ok: response.ok, status: response.status, data };
}

// The first message of an error body, whatever its shape ({detail}, {field: [..]}); a field's
// message is prefixed with its label where ``form`` has an input of that name.
export function errorText(data, form = null) {
  const fallback = gettext("That did not work.");
  if (!data) return fallback;
  if (typeof data.detail === "string") return data.detail;
  for (const [field, value] of Object.entries(data)) {
    if (!Array.isArray(value) || !value.length) continue;
    const label = form?.elements?.[field]?.closest("label")?.firstChild?.textContent?.trim();
    return label ? interpolate(gettext("%(field)s: %(problem)s"), { field: label, problem: String(value[0]) }, true) : String(value[0]);
  }
  return fallback;
}

// A redraw of live rows keeps what the person is doing on them: an open reason form or slot
// picker (with what was typed, and the caret) moves into its row's new copy, and the focus
// stays where it was. ``redraw()`` rebuilds what is under ``root``.
export function redrawKeeping(root, redraw) {
  const active = document.activeElement;
  const open = [...root.querySelectorAll("li[data-appointment] > form.why, li[data-appointment] > .picker")]
    .map((node) => [node.closest("li").dataset.appointment, node]);
  const typing = open.some(([, node]) => node.contains(active));
  const caret = typing && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
  const row = active?.closest?.("li[data-appointment]")?.dataset.appointment;
  redraw();
  for (const [id, node] of open) root.querySelector(`li[data-appointment="${id}"]`)?.append(node);
  if (typing && document.contains(active)) {
    active.focus();
    if (caret) active.setSelectionRange(...caret);
  } else if (row) root.querySelector(`li[data-appointment="${row}"]`)?.focus();
}

export const instantKey = (iso) => new Date(iso).toISOString();

// Whole minutes from now until ``iso`` (negative once it is past).
export const minutesUntil = (iso) => Math.round((new Date(iso) - Date.now()) / 60_000);

// ``text``: a string or nodes (a phrase()).
/** Says ``text`` (and ``extra``, e.g. buttons) in the page's message box; nothing: hides it. */
export function say(text, kind = "info", extra = null) {
  const box = document.getElementById("message");
  box.hidden = !text && !extra;
  box.className = `message ${kind}`;
  box.replaceChildren(text);
  if (extra) box.append(extra);
}

/** A phone number in a line of either direction: left to right, whatever the line (a Persian
 * line would carry its "+" to the far end), in the page's digits (dialling takes either). */
export function phoneNumber(phone) {
  return el("bdi", { class: "phone", dir: "ltr" }, digits(phone));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else if (value !== false && value != null) node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

// A socket that fails this many times in a row: the page asks for snapshots over HTTP (the
// same path under /api/live/ instead of /ws/) every POLL_MS, and goes back to the socket once
// one opens.
const FAILURES_BEFORE_POLLING = 3;
const POLL_MS = 10_000;
// A quiet socket is asked for a sign of life every HEARTBEAT_MS; one that gives none within
// SILENCE_MS is taken for dead and replaced. A connection that died without a close (a laptop
// that slept, a phone that lost its network) would otherwise say "live" while hearing nothing.
const HEARTBEAT_MS = 25_000;
const SILENCE_MS = 10_000;

// One socket: reconnects with back-off (the server sends a fresh snapshot on each connect),
// tells apart new, duplicate and out-of-step deltas by each appointment's version.
export class LiveFeed {
  // ``polling``: the feed this one replaces was polling; sockets are blocked here, so do not
  // wait for three more failures to show the new days.
  constructor(path, { onSnapshot, onDelta, idOf, polling = false }) {
    this.path = path;
    this.onSnapshot = onSnapshot;
    this.onDelta = onDelta;
    this.idOf = idOf;
    this.fallback = path.replace(/^\/ws\//, "/api/live/");
    this.versions = new Map();
    this.retry = 0;
    this.poller = null;
    this.status = document.getElementById("live-status");
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    this.silence = null;
    this.waitingForNetwork = false;
    // The browser knows first when the network goes: say so (unless the server had closed
    // for good), and once it is back, open the socket it waited for, or ask the one there.
    this.listening = new AbortController();
    const { signal } = this.listening;
    window.addEventListener("offline", () => {
      if (this.status?.dataset.state !== "closed") this.show(gettext("no connection"), "down");
    }, { signal });
    window.addEventListener("online", () => {
      if (this.waitingForNetwork) { this.waitingForNetwork = false; this.open(); } else { this.ping(); this.resync(); }
    }, { signal });
    // A tab coming back (a laptop opened) asks at once, not a heartbeat later.
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.ping(); }, { signal });
    // A page that follows another day or week opens a new feed: not live until its snapshot.
    this.show(gettext("connecting…"), "connecting");
    this.open();
    if (polling) this.startPolling();
  }

  get polling() { return this.poller !== null; }

  open() {
    const url = new URL(this.path, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("language", LANGUAGE); // a socket has no other way to hear the page's
    // Each handler is for its own socket: one given up for silent may still close, or speak,
    // after its successor opened.
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      clearTimeout(this.silence); // whatever it says, it is alive
      this.silence = null;
      const message = JSON.parse(event.data);
      if (message.type === "pong") return;
      // Live from the first snapshot, not from the socket's opening: the server signs the
      // socket in and joins its groups in between, and a change made then reaches the page
      // only through that snapshot. Until then the socket has not worked: one that opens and
      // closes, or opens and says nothing, counts towards polling.
      if (message.type === "snapshot") {
        this.retry = 0;
        this.stopPolling();
        this.show(gettext("live"), "live");
      }
      this.receive(message);
    });
    socket.addEventListener("close", (event) => {
      if (this.closing || socket !== this.socket) return;
      if (event.code >= 4400 && event.code < 4500) { this.show(gettext("offline"), "closed"); return; }
      this.reopen();
    });
  }

  // After a close, or a silence: another socket, after a back-off; polling after a few.
  // Offline, the next socket waits for the network (the "online" event). The back-off is
  // spread a little: after a server restart, every page would otherwise come back at once.
  reopen() {
    clearTimeout(this.silence);
    this.silence = null;
    if (!navigator.onLine) {
      this.waitingForNetwork = true;
      this.show(gettext("no connection"), "down");
      return;
    }
    this.retry = Math.min(this.retry + 1, 5);
    if (this.retry >= FAILURES_BEFORE_POLLING) this.startPolling();
    else this.show(gettext("reconnecting…"), "down");
    setTimeout(() => { if (!this.closing) this.open(); }, 500 * 2 ** this.retry * (0.75 + Math.random() / 2));
  }

  ping() {
    if (this.socket?.readyState !== WebSocket.OPEN || this.silence) return;
    this.socket.send(JSON.stringify({ type: "ping" }));
    this.silence = setTimeout(() => {
      this.silence = null;
      const dead = this.socket;
      this.socket = null; // its late close or message is no one's now
      dead.close();
      this.reopen();
    }, SILENCE_MS);
  }

  close() {
    this.closing = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.silence);
    this.listening.abort();
    this.stopPolling();
    this.socket?.close();
  }

  startPolling() {
    if (this.poller) return;
    this.poller = setInterval(() => this.poll(), POLL_MS);
    this.poll();
  }

  stopPolling() { clearInterval(this.poller); this.poller = null; }

  async poll() {
    const reply = await api("GET", this.fallback);
    if (this.closing || !this.poller) return;
    if (reply.ok) {
      this.show(gettext("updated every few seconds"), "polling");
      this.receive(reply.data);
    } else if (reply.status >= 400 && reply.status < 500) {
      this.stopPolling();
      this.show(gettext("offline"), "closed");
      say(errorText(reply.data), "error");
    }
  }

  show(text, state) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  remember(id, version) {
    if (id && !(this.versions.get(id) >= version)) this.versions.set(id, version);
  }

  // "new", "duplicate" or "gap" for a delta about ``id`` at ``version``.
  judge(id, version) {
    const known = this.versions.get(id);
    if (known !== undefined && version <= known) return "duplicate";
    if (known !== undefined && version > known + 1) return "gap";
    return "new";
  }

  resync() {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "snapshot" }));
    else if (this.poller) this.poll();
  }

  receive(message) {
    if (message.type === "snapshot") {
      this.versions.clear();
      this.onSnapshot(message, this);
      return;
    }
    if (message.type === "error") { say(message.detail, "error"); return; }
    const id = this.idOf(message);
    const verdict = this.judge(id, message.version);
    if (verdict === "duplicate") return;
    if (verdict === "gap") { this.resync(); return; }
    if (this.onDelta(message, this) === "resync") { this.resync(); return; }
    this.remember(id, message.version);
  }
}

// How a status reads to people (the API's words are FHIR's).
export const STATUS_LABELS = {
  pending: pgettext("appointment status", "request"),
  booked: pgettext("appointment status", "booked"),
  arrived: pgettext("appointment status", "checked in"),
  in_consultation: pgettext("appointment status", "in consultation"),
  fulfilled: pgettext("appointment status", "completed"),
  noshow: pgettext("appointment status", "no-show"),
  cancelled: pgettext("appointment status", "cancelled"),
  rejected: pgettext("appointment status", "rejected"),
};
export const statusLabel = (status) => STATUS_LABELS[status] ?? status;

// Rejecting or cancelling: a small form on the row asks the reason the patient is told; the
// second button confirms, "Keep it" goes back. ``send(reason)`` answers whether it worked.
// Back to the visit a form was on, as it is now (a live redraw may have replaced its row).
/** Removes ``node`` and puts the keyboard back on its visit's row; outside a row (a visit
 * note's follow-up), on ``fallback``. */
export function backToRow(node, fallback = null) {
  const id = node.closest("li[data-appointment]")?.dataset.appointment;
  node.remove();
  (id ? document.querySelector(`li[data-appointment="${id}"]`) : fallback)?.focus();
}

export function askWhy(row, action, send) {
  row.querySelector("form.why")?.remove();
  const reason = el("input", { type: "text", name: "reason", maxlength: "200", required: true });
  const form = el("form", { class: "why" },
    el("label", {}, action === "reject" ? gettext("Why not (the patient is told):") : gettext("Why (the patient is told):"), " ", reason),
    el("button", { type: "submit" }, action === "reject" ? gettext("Reject the request") : gettext("Cancel the visit")),
    el("button", { type: "button", onclick: () => backToRow(form) }, gettext("Keep it")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await send(reason.value.trim())) backToRow(form); // the keyboard stays on the visit
  });
  // As Keep it, as the pickers close (found in review: Escape left it open).
  form.addEventListener("keydown", (event) => { if (event.key === "Escape") { event.preventDefault(); backToRow(form); } });
  row.append(form);
  reason.focus();
}

// How far a day with no free slot looks for the next one: the slots API's most days at once,
// less the day itself.
const NEXT_FREE_DAYS = 30;

// Free slots of one doctor at one clinic on one day, as buttons that call ``choose(start)``;
// a slot taken meanwhile (409) offers the nearest free ones instead (takenMessage). A day with
// none offers the next free slot after it: ``toDay(day, start)`` shows that day.
export async function slotPicker(doctorId, clinicId, day, zone, choose, toDay = null) {
  const slots = (from, to) => api("GET", `/api/doctors/${doctorId}/slots/?clinic=${clinicId}&from=${from}&to=${to}`);
  const reply = await slots(day, day);
  if (!reply.ok) return el("p", { class: "message error" }, errorText(reply.data));
  if (!reply.data.slots.length) return toDay ? nextFree(await slots(addDays(day, 1), addDays(day, NEXT_FREE_DAYS)), zone, toDay) : noneThatDay();
  // Named with their day: after a jump to the next free day, "10:00" alone says not which.
  return el("div", { class: "slots" }, ...reply.data.slots.map((slot) => el("button", {
    type: "button", class: "slot free", "data-start": instantKey(slot.start), "data-end": instantKey(slot.end), "aria-label": zone.moment(slot.start), onclick: () => choose(slot.start),
  }, zone.time(slot.start))));
}

const freeOn = (day, count) => phrase(count
  ? ngettext("%(day)s: %(count)s free time.", "%(day)s: %(count)s free times.", count)
  : gettext("%(day)s: no free time."), { day, count });

const noneThatDay = () => el("p", { class: "hint" }, gettext("No free slot that day."));

// Its data-start is the slot's: a picker that keeps the focus on a slot across a reload finds
// it there on the day shown next.
function nextFree(later, zone, toDay) {
  const none = noneThatDay();
  const next = later.ok ? later.data.slots[0] : null;
  if (next) {
    none.append(" ", el("button", {
      type: "button", class: "next-free", "data-start": instantKey(next.start), onclick: () => toDay(zone.day(next.start), next.start),
    }, phrase(gettext("Next free: %(when)s"), { when: zone.moment(next.start) })));
  } else if (later.ok) {
    none.append(" ", el("span", { class: "none-ahead" }, phrase(gettext("None in the %(days)s days after it either."), { days: NEXT_FREE_DAYS })));
  }
  return none;
}

export function takenMessage(reply, zone, retry) {
  const alternatives = reply.data?.alternatives ?? [];
  const text = reply.data?.holder === "patient" ? gettext("The patient already has an appointment then.") : gettext("That slot was just taken.");
  say(alternatives.length ? `${text} ${gettext("Nearest free:")} ` : text, "error", el("span", { class: "alternatives" },
    ...alternatives.map((slot) => el("button", { type: "button", class: "slot free", onclick: () => retry(slot.start) }, zone.moment(slot.start)))));
}

let pickers = 0; // for their date inputs' ids

// A date and that day's free slots, on a row. ``choose(start)`` answers whether it worked;
// then the picker closes.
export function pickSlot(item, { doctorId, clinicId, day, zone, label, choose }) {
  item.querySelector(".picker")?.remove();
  const opener = document.activeElement;
  const input = el("input", { type: "date", id: `picker-day-${pickers += 1}`, value: day, required: true });
  // Only the newest day asked is shown: a slow answer for the day before, shown under the
  // next one's date, would book the day the picker does not say.
  // Whether the keyboard was in the picker when the answer came: only then does a jump move it.
  let asked = 0;
  // ``tell``: a screen reader hears the day and what is free on it. The keyboard stays on the
  // step (or the date) that changed the day, and nothing else would say the day changed.
  const load = async ({ tell = false } = {}) => {
    const mine = ++asked;
    const picker = await slotPicker(doctorId, clinicId, input.value, zone, pick, jump);
    if (mine !== asked) return false;
    const kept = holder.contains(document.activeElement);
    holder.lastChild.replaceWith(picker);
    const count = picker.querySelectorAll("button.slot").length;
    // With none that day, what the picker offers instead ("Next free: …"), or that it has
    // nothing to offer. The day as the slots' names say it.
    if (tell) heard.replaceChildren(freeOn(zone.longDay(input.value), count), count ? "" : ` ${picker.querySelector(".next-free, .none-ahead")?.textContent ?? ""}`);
    return kept;
  };
  // To the next free day, and the keyboard to its slot, unless it went elsewhere meanwhile (a
  // space typed in another form would press the slot).
  const jump = async (next, start) => {
    input.value = next;
    heard.replaceChildren(); // what it said was of the day left, which the focus now is not on
    if (!(await load())) return;
    const same = holder.querySelector(`button[data-start="${instantKey(start)}"]`);
    if (!same) say(phrase(gettext("%(time)s was just taken."), { time: zone.time(start) }), "error");
    (same ?? holder.querySelector("button.slot") ?? input).focus();
  };
  const step = (days) => () => { input.value = addDays(input.value, days); load({ tell: true }); };
  const heard = el("p", { class: "visually-hidden", "aria-live": "polite" });
  const holder = el("div", { class: "picker" },
    el("div", { class: "row" },
      el("label", { for: input.id }, label),
      // Together on a phone's narrow line too: a step that wraps away from its date reads as
      // something else.
      el("span", { class: "day-steps" },
        el("button", { type: "button", class: "step-back", "aria-label": gettext("Previous day"), onclick: step(-1) }),
        input,
        el("button", { type: "button", class: "step-forward", "aria-label": gettext("Next day"), onclick: step(1) })),
      el("button", { type: "button", class: "link", onclick: () => backToRow(holder, opener) }, gettext("Close"))),
    heard,
    el("div"));
  item.append(holder);
  datePicker(input); // Jalali on a Persian page; the browser's own elsewhere
  const pick = async (start) => { if (await choose(start)) backToRow(holder, opener); }; // the keyboard stays on the visit
  input.addEventListener("change", () => load({ tell: true }));
  // As Close. An open Jalali calendar takes its own Escape first (it closes only itself).
  holder.addEventListener("keydown", (event) => { if (event.key === "Escape" && !event.defaultPrevented) backToRow(holder, opener); });
  input.focus();
  return load();
}

/** The visits that keep their time on ``day`` (the clinic's calendar) that the reader may see:
 * a patient's own, or, for staff, ``patientId``'s. Empty when they cannot be read: the note is
 * a help, not a check (the booking itself refuses what overlaps). */
export async function visitsThatDay(day, patientId = null) {
  const whose = patientId ? `&patient=${patientId}` : "";
  const reply = await api("GET", `/api/appointments/?from=${day}&to=${day}&active=true&limit=100${whose}`);
  return reply.ok ? reply.data.results : [];
}

// The most said one by one, the nearest to ``near`` (the time being booked): the rest on a
// press, in place (found in review: five pushed Confirm a phone's length down, and a link to
// the list left the booking and let its held slot go).
const SAME_DAY_LISTED = 3;

/** Those visits said before another is booked that day, with whom, where and for whom: a
 * second visit that day is as often a booking made twice as a plan. ``linked``: each to its
 * page (the patient's own). ``clinicId``: the clinic of the page (a desk's), whose name would
 * only be said again on every line. */
export function sameDayNote(visits, heading, { near = null, linked = false, clinicId = null } = {}) {
  const line = (visit) => {
    const values = {
      time: clock(visit.clinic.timezone).time(visit.start), doctor: visit.doctor.name,
      clinic: visit.clinic.name, name: visit.dependant?.name,
    };
    const here = visit.clinic.id === clinicId;
    let said = visit.dependant
      ? phrase(here ? gettext("%(time)s with %(doctor)s, for %(name)s") : gettext("%(time)s with %(doctor)s at %(clinic)s, for %(name)s"), values)
      : phrase(here ? gettext("%(time)s with %(doctor)s") : gettext("%(time)s with %(doctor)s at %(clinic)s"), values);
    // Found in review: a request the doctor has not taken read as a visit as sure as the rest.
    if (visit.status === "pending") said = phrase(gettext("%(visit)s (not confirmed yet)"), { visit: said });
    return el("li", {}, linked ? el("a", { href: `/me/appointments/${visit.id}/` }, said) : said);
  };
  const away = (visit) => Math.abs(new Date(visit.start) - new Date(near ?? visit.start));
  const nearest = new Set([...visits].sort((a, b) => away(a) - away(b)).slice(0, SAME_DAY_LISTED));
  const list = el("ul", {}, ...visits.filter((visit) => nearest.has(visit)).map(line));
  const rest = visits.length - nearest.size;
  if (rest > 0) {
    const more = el("li", {}, el("button", {
      type: "button", class: "link",
      onclick: () => { list.replaceChildren(...visits.map(line)); list.tabIndex = -1; list.focus(); },
    }, phrase(ngettext("and %(count)s more", "and %(count)s more", rest), { count: rest })));
    list.append(more);
  }
  return el("div", { class: "same-day" }, el("p", {}, heading), list);
}
