// The doctor's note of a completed visit: prescription rows added and removed with the
// keyboard, a follow-up chosen among the doctor's free times, and the whole note sent to the
// API. A refusal marks each field at fault beside it; nothing typed is lost.
import { api, clock, el, errorText, phrase, pickSlot, say } from "./live.js";

const form = document.getElementById("note");
const rows = document.getElementById("prescriptions");
const rowTemplate = document.getElementById("prescription-row");
const addButton = document.getElementById("add-prescription");
const noneHint = document.getElementById("no-prescriptions");
const followUp = form.elements.follow_up_start;
const chosen = document.getElementById("follow-up-chosen");
const chooseButton = document.getElementById("follow-up-choose");
const clearButton = document.getElementById("follow-up-clear");
const zone = clock(form.dataset.timezone);
const maxRows = Number(form.dataset.maxPrescriptions);
const LINES = ["drug", "dose", "frequency", "duration"];

// Names follow the rows' order ("prescriptions.0.drug"), as the API names a field at fault.
function renumber() {
  [...rows.children].forEach((row, index) => {
    row.dataset.index = String(index);
    for (const line of LINES) row.querySelector(`[name$=".${line}"]`).name = `prescriptions.${index}.${line}`;
  });
  noneHint.hidden = rows.children.length > 0;
  addButton.disabled = rows.children.length >= maxRows;
}

function addRow() {
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  rows.append(row);
  renumber();
form.dataset.ready = "true"; // what was pressed before this ran did nothing
  row.querySelector("input").focus();
}

function removeRow(row) {
  const next = row.nextElementSibling ?? row.previousElementSibling;
  row.remove();
  renumber();
form.dataset.ready = "true"; // what was pressed before this ran did nothing
  (next?.querySelector("input") ?? addButton).focus();
}

addButton.addEventListener("click", addRow);
rows.addEventListener("click", (event) => {
  const button = event.target.closest('[data-action="remove-prescription"]');
  if (button) removeRow(button.closest("li"));
});

function propose(start) {
  followUp.value = start ?? "";
  chosen.replaceChildren(start ? phrase(gettext("Proposed: %(when)s"), { when: zone.moment(start) }) : chosen.dataset.none);
  clearButton.hidden = !start;
}

chooseButton.addEventListener("click", () => pickSlot(chooseButton.closest("fieldset"), {
  doctorId: form.dataset.doctor,
  clinicId: form.dataset.clinic,
  day: followUp.value ? zone.day(followUp.value) : form.dataset.firstDay,
  zone,
  label: gettext("Follow-up on"),
  choose: (start) => { propose(start); chooseButton.focus(); return true; },
}));
clearButton.addEventListener("click", () => { propose(null); chooseButton.focus(); });

// DRF nests a list's errors ({"prescriptions": [{}, {"drug": [...]}]}); the domain names the
// field ("prescriptions.1.drug"): both become the input's own name.
function flatten(data, prefix = "", into = {}) {
  if (Array.isArray(data) && data.every((item) => typeof item === "string")) {
    into[prefix] = data;
  } else if (Array.isArray(data)) {
    data.forEach((item, index) => flatten(item, `${prefix}.${index}`, into));
  } else if (data && typeof data === "object") {
    for (const [key, value] of Object.entries(data)) flatten(value, prefix ? `${prefix}.${key}` : key, into);
  }
  return into;
}

function clearProblems() {
  for (const problem of form.querySelectorAll(".problem")) problem.remove();
  for (const field of form.querySelectorAll("[aria-invalid]")) {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-errormessage");
  }
}

function markProblems(data) {
  let first = null;
  for (const [name, messages] of Object.entries(flatten(data))) {
    const field = form.elements[name];
    const id = `problem-${name.replaceAll(".", "-")}`;
    const text = el("span", { class: "problem", id }, messages.join(" "));
    if (field instanceof HTMLElement && field.type !== "hidden") {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-errormessage", id);
      field.closest("label, .field")?.append(text);
      first ??= field;
    } else {
      const place = name.startsWith("follow_up") ? chosen : name.startsWith("prescriptions") ? rows : null;
      if (!place) continue;
      place.after(text);
      first ??= name.startsWith("follow_up") ? chooseButton : addButton;
    }
  }
  return first;
}

function note() {
  return {
    summary: form.elements.summary.value,
    instructions: form.elements.instructions.value,
    prescriptions: [...rows.children].map((row) => Object.fromEntries(
      LINES.map((line) => [line, row.querySelector(`[name$=".${line}"]`).value]))),
    follow_up_start: followUp.value || null,
  };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  const reply = await api("PUT", `/api/appointments/${form.dataset.appointment}/visit-note/`, note());
  submit.disabled = false;
  clearProblems();
  if (reply.ok) {
    say(reply.data.version > 1 ? gettext("Note amended. The patient is told there is a new version.") : gettext("Note saved. The patient is told it is there to read."), "ok");
    submit.textContent = gettext("Save the amended note");
    return;
  }
  const first = reply.status === 400 ? markProblems(reply.data) : null;
  say(first ? gettext("Check the fields marked below.") : errorText(reply.data), "error");
  first?.focus();
});

renumber();
form.dataset.ready = "true"; // what was pressed before this ran did nothing
