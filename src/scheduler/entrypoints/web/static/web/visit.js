// A patient's place in the waiting room, live: where they stand, how long they have waited,
// when the doctor will likely call them. The server sends this visit's line only.
import { LiveFeed, clock, el, minutesUntil } from "./live.js";

const t = window.gettext;
const format = (text, values) => window.interpolate(text, values, true);
const root = document.getElementById("visit");
const zone = clock(root.dataset.timezone);
const box = document.getElementById("visit-place");
let last = null;

const time = document.getElementById("visit-time");
time.textContent = zone.moment(time.dataset.start);

const SAID = {
  pending: () => t("The doctor has not confirmed this visit yet."),
  booked: () => t("When you arrive, check in at the desk: your place in the queue shows here."),
  in_consultation: () => t("The doctor is seeing you now."),
  fulfilled: () => t("Your visit is over. Thank you."),
  noshow: () => t("This visit was marked as missed. Please talk to the desk."),
  cancelled: () => t("This visit was cancelled."),
  rejected: () => t("This request was declined."),
};

function render() {
  if (!last) return;
  time.textContent = zone.moment(last.start); // moved by the desk: the new time, at once
  const line = last.queue;
  if (last.status === "arrived" && line?.place === "waiting") {
    const call = minutesUntil(line.expected_call);
    const ahead = line.position - 1;
    box.replaceChildren(
      el("p", { class: "position" }, format(t("You are number %(position)s in line"), { position: line.position })),
      el("p", {}, ahead === 0 ? t("You are next.") : format(t("%(count)s before you."), { count: ahead })),
      el("p", { class: "expected" }, call > 0
        ? format(t("Expected to be called in about %(minutes)s minutes (around %(time)s)."), { minutes: call, time: zone.time(line.expected_call) })
        : t("Expected to be called any moment now.")),
      el("p", { class: "hint" }, format(t("Waiting for %(minutes)s minutes."), { minutes: Math.max(0, -minutesUntil(line.waiting_since)) })));
    return;
  }
  const said = last.asked_to_move
    ? t("The doctor can no longer see you at this time. Please choose another time, or call the clinic.")
    : (SAID[last.status] ?? (() => last.status))();
  box.replaceChildren(el("p", { class: "position" }, said),
    last.reason ? el("p", {}, format(t("Reason: %(reason)s"), { reason: last.reason })) : null);
}

new LiveFeed(`/ws/visit/${root.dataset.token}/`, {
  idOf: () => null,
  onSnapshot: (message) => { last = message; render(); },
  onDelta: () => undefined,
});
setInterval(render, 30_000);
