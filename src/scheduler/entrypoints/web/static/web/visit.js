// A patient's place in the waiting room, live: where they stand, how long they have waited,
// when the doctor will likely call them. The server sends this visit's line only.
import { LiveFeed, el, minutesUntil, phrase } from "./live.js";
import { clock } from "./local_dates.js";

const root = document.getElementById("visit");
const zone = clock(root.dataset.timezone);
const box = document.getElementById("visit-place");
let last = null;

const time = document.getElementById("visit-time");
time.textContent = zone.moment(time.dataset.start);

const SAID = {
  pending: () => gettext("The doctor has not confirmed this visit yet."),
  booked: () => gettext("When you arrive, check in at the desk: your place in the queue shows here."),
  in_consultation: () => gettext("The doctor is seeing you now."),
  fulfilled: () => gettext("Your visit is over. Thank you."),
  noshow: () => gettext("This visit was marked as missed. Please talk to the desk."),
  cancelled: () => gettext("This visit was cancelled."),
  rejected: () => gettext("This request was declined."),
};

function render() {
  if (!last) return;
  time.textContent = zone.moment(last.start); // moved by the desk: the new time, at once
  const line = last.queue;
  if (last.status === "arrived" && line?.place === "waiting") {
    const call = minutesUntil(line.expected_call);
    const ahead = line.position - 1;
    const waited = Math.max(0, -minutesUntil(line.waiting_since));
    box.replaceChildren(
      el("p", { class: "position" }, phrase(gettext("You are number %(position)s in line"), { position: line.position })),
      el("p", {}, ahead === 0 ? gettext("You are next.") : phrase(ngettext("%(count)s before you.", "%(count)s before you.", ahead), { count: ahead })),
      el("p", { class: "expected" }, call > 0
        ? phrase(ngettext("Expected to be called in about %(minutes)s minute (around %(time)s).", "Expected to be called in about %(minutes)s minutes (around %(time)s).", call), { minutes: call, time: zone.time(line.expected_call) })
        : gettext("Expected to be called any moment now.")),
      el("p", { class: "hint" }, phrase(ngettext("Waiting for %(minutes)s minute.", "Waiting for %(minutes)s minutes.", waited), { minutes: waited })));
    return;
  }
  const said = last.asked_to_move
    ? gettext("The doctor can no longer see you at this time. Please choose another time, or call the clinic.")
    : (SAID[last.status] ?? (() => last.status))();
  const lines = [el("p", { class: "position" }, said)];
  if (last.reason) lines.push(el("p", {}, phrase(gettext("Reason: %(reason)s"), { reason: last.reason })));
  box.replaceChildren(...lines);
}

new LiveFeed(`/ws/visit/${root.dataset.token}/`, {
  idOf: () => null,
  onSnapshot: (message) => { last = message; render(); },
  onDelta: () => undefined,
});
setInterval(render, 30_000);
