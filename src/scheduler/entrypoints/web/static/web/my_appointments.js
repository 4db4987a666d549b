// A patient's appointments (the list, or one booking's page): cancelling with a reason after a
// yes, and every change (here, by the doctor, by the desk) redrawn in place from the server's
// own row, live from the patient's socket.
import { LiveFeed, api, el, errorText, say } from "./live.js";

const detail = document.querySelector("ul.visits.one") !== null;
const rowOf = (id) => document.querySelector(`li[data-appointment="${id}"]`);

// The row as the server draws it now (its status in words, its time on the clinic's clock,
// what may still be done); an open cancel form stays, with what was typed.
async function rowNow(id) {
  let response;
  try {
    response = await fetch(`/me/appointments/${id}/row/${detail ? "?detail=1" : ""}`, { credentials: "same-origin" });
  } catch { return null; }
  if (!response.ok) return null; // e.g. a slot only held in a review: no visit of theirs
  const holder = document.createElement("template");
  holder.innerHTML = (await response.text()).trim();
  return holder.content.firstElementChild;
}

// A visit booked for the patient elsewhere (by the desk, the doctor's follow-up, another tab)
// joins Upcoming in time order; the empty "Find a doctor" gives way to the list. Upcoming shows
// the first visits ahead up to its bound, as a reload would: one past it is not shown.
async function arrive(id) {
  if (detail) return;
  const fresh = await rowNow(id);
  const shown = rowOf(id);
  if (shown) {
    // Another fetch of this visit (a snapshot's, a delta's) answered first, maybe with an older
    // version of it: draw it again from now.
    if (fresh && Number(fresh.dataset.version) > Number(shown.dataset.version)) redraw(id);
    return;
  }
  if (fresh?.classList.contains("ahead")) placeAhead(fresh);
}

// In Upcoming, in time order, as a reload shows it: the first visits ahead up to its bound.
function placeAhead(row) {
  place(row, "upcoming", (other) => other !== row && Number(other.dataset.start) > Number(row.dataset.start));
  const list = document.getElementById("upcoming");
  const atMost = Number(list?.closest("section").dataset.atMost);
  while (list && list.children.length > atMost) list.lastElementChild.remove();
}

// A visit no longer ahead (cancelled, declined) leaves Upcoming for "Past and cancelled", newest
// first, where a reload would show it: on its first page, that is.
function leave(row) {
  if (Number(new URLSearchParams(location.search).get("page") ?? 1) > 1) row.remove();
  else place(row, "past", (other) => Number(other.dataset.start) < Number(row.dataset.start));
  showWhetherAnyAhead();
}

// Upcoming's "Find a doctor" whenever its list is empty, as a reload draws it (found in review:
// the desk cancelling the last visit left a bare heading).
function showWhetherAnyAhead() {
  const list = document.getElementById("upcoming");
  const empty = list?.parentElement.querySelector("[data-empty]");
  if (!list || !empty) return; // a visit's own page
  list.hidden = !list.children.length;
  empty.hidden = !list.hidden;
}

// Put ``row`` in the list ``id`` before the first row ``comesAfter`` says follows it; the
// section's note that it is empty gives way to the list.
function place(row, id, comesAfter) {
  let list = document.getElementById(id);
  if (!list) {
    const empty = document.querySelector(`section[aria-labelledby="${id}-title"] [data-empty]`);
    if (!empty) return;
    list = el("ul", { class: "visits", id });
    empty.replaceWith(list);
  }
  list.insertBefore(row, [...list.children].find(comesAfter) ?? null);
  showWhetherAnyAhead();
}

// ``told``: the page has said what became of the visit (its own cancel's answer).
async function redraw(id, { told = false } = {}) {
  const old = rowOf(id);
  if (!old) { await arrive(id); return; }
  const fresh = await rowNow(id);
  if (!fresh || !old.isConnected) return;
  const form = old.querySelector("form.why");
  const focused = old.contains(document.activeElement) ? document.activeElement : null;
  if (form && fresh.querySelector('[data-action="cancel"]')) {
    fresh.append(form);
    ask(form, fresh); // confirmed meanwhile, a request is a visit to cancel: said so
  } else if (form && !told) {
    // Cancelled or moved past the cut-off elsewhere (another tab, the desk): the question and
    // what was typed go, and the page says why.
    say(gettext("This visit was changed elsewhere, so its question was closed."));
  }
  old.replaceWith(fresh);
  // A visit moved keeps its place in time order (found in review: moved to a later day, it
  // stayed first); one no longer ahead leaves.
  if (fresh.closest("#upcoming")) (fresh.classList.contains("ahead") ? placeAhead : leave)(fresh);
  // The keyboard stays where it was: in the cancel form kept, on the same action of the row
  // drawn again, else on the row (found in review: always on the row, five Tabs from Cancel).
  if (focused && fresh.isConnected && !fresh.contains(document.activeElement)) {
    (fresh.contains(focused) ? focused : sameAction(fresh, focused) ?? fresh).focus();
  }
  if (detail && !fresh.querySelector('[data-action="move"]')) document.getElementById("move")?.remove();
}

// ``row``'s link or button that does what ``action`` (of the row before it) did.
function sameAction(row, action) {
  const key = action.dataset.action ? `[data-action="${action.dataset.action}"]` : `a[href="${CSS.escape(action.getAttribute("href") ?? "")}"]`;
  return row.querySelector(`.actions ${key}`);
}

// A request the doctor has not confirmed is withdrawn, a visit cancelled: the question says the
// button's own word (found in review: "Withdraw request" asked "Cancel this appointment?").
const ASKED = {
  pending: () => [gettext("Withdraw this request? Its time goes back to other patients."), gettext("Yes, withdraw it"), gettext("Your request is withdrawn.")],
  other: () => [gettext("Cancel this appointment? Its time goes back to other patients."), gettext("Yes, cancel it"), gettext("Your appointment is cancelled.")],
};

const wordsFor = (row) => (ASKED[row.dataset.status] ?? ASKED.other)();

// The question and its yes in the words of ``row`` as it is now.
function ask(form, row) {
  const [question, yesWord] = wordsFor(row);
  form.querySelector(".ask").textContent = question;
  form.querySelector('button[type="submit"]').textContent = yesWord;
}

function askCancel(row, opener) {
  row.querySelector("form.why")?.remove();
  const id = row.dataset.appointment;
  const reason = el("input", { type: "text", name: "reason", maxlength: "500", autocomplete: "off" });
  const yes = el("button", { type: "submit", class: "danger" });
  // Keep it, or Escape, as on the staff's screens: the keyboard back on the button that asked.
  const keep = () => { form.remove(); (rowOf(id)?.querySelector('[data-action="cancel"]') ?? rowOf(id) ?? opener).focus(); };
  const form = el("form", { class: "why" },
    el("p", { class: "ask" }),
    el("label", {}, gettext("Reason (optional; the clinic sees it)"), reason),
    el("div", { class: "buttons" }, yes,
      el("button", { type: "button", onclick: keep }, gettext("Keep it"))));
  form.addEventListener("keydown", (event) => { if (event.key === "Escape") { event.preventDefault(); keep(); } });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const [, , done] = wordsFor(rowOf(id) ?? row); // as the question says it now
    yes.disabled = true;
    const reply = await api("POST", `/api/appointments/${id}/cancel/`, { reason: reason.value.trim() });
    yes.disabled = false;
    if (reply.ok) {
      form.remove();
      say(done, "ok");
    } else {
      say(errorText(reply.data, form), "error");
    }
    await redraw(id, { told: true }); // cancelled, or why not (the cut-off may have passed meanwhile)
    if (reply.ok) rowOf(id)?.focus(); // the form that had the focus is gone: its row, wherever it went
  });
  ask(form, row);
  say(""); // the last answer was of something else
  row.append(form);
  reason.focus();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.('[data-action="cancel"]');
  if (button) askCancel(button.closest("li[data-appointment]"), button);
});

new LiveFeed("/ws/me/appointments/", {
  idOf: (message) => message.id,
  // After a gap (a reconnect, or the page drawn before its socket joined), each row whose
  // booking changed meanwhile is drawn again, and a visit booked meanwhile arrives.
  onSnapshot: (snapshot, live) => {
    for (const appointment of snapshot.appointments) {
      live.remember(appointment.id, appointment.version);
      const row = rowOf(appointment.id);
      if (!row) {
        if (appointment.active) arrive(appointment.id);
      } else if (Number(row.dataset.version) !== appointment.version) redraw(appointment.id);
    }
    document.dispatchEvent(new CustomEvent("waitlist-changed")); // waitlist.js redraws its part
  },
  onDelta: (message) => {
    if (message.type === "waitlist") document.dispatchEvent(new CustomEvent("waitlist-changed"));
    else redraw(message.id);
  },
});
