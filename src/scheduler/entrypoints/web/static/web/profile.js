// The profile page: what the last save said (saved, or what to correct) is where the eye is,
// also on a phone: the page opens on it, and the keyboard starts there.
const said = document.querySelector("#problems, #saved, #photo-error");
if (said) {
  said.scrollIntoView({ block: "center" });
  (said.id === "photo-error" ? document.getElementById("photo-file") : said).focus({ preventScroll: true });
}
