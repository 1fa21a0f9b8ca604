/* The trustees' page: make or load a key (kept in this page's memory only, never sent), and decrypt a closed
   ballot's tally in one click. The protocol itself is trustee.js; this file only drives the page. Without
   JavaScript the page's forms do the same through `unionvote trustee keygen` and `unionvote trustee decrypt`. */

import { decryptTally, generateKeyFile, keyFileText, readKeyFile, SealingError } from "./trustee.js";

let key = null; // {secret, publicKey, publicHex}: lives as long as the page, never stored or sent

const $ = (selector) => document.querySelector(selector);
// The page's words in the reader's language (a JSON block the server fills: unionvote/script_words.py), English
// when missing; `%(name)s` placeholders are filled from `values`. trustee.js's refusals are looked up too.
const words = JSON.parse(($("#uv-words") || {}).textContent || "{}");
const tr = (english, values = {}) => (words[english] || english).replace(/%\((\w+)\)s/g, (_, name) => values[name]);
const csrfToken = () => ($('meta[name="csrf-token"]') || {}).content || "";

function reveal(root) {
  for (const element of root.querySelectorAll(".js-only")) element.hidden = false;
}

function say(element, text) {
  element.textContent = text;
}

function keyLoaded(source) {
  say($("#key-status"), tr("Key loaded (%(source)s): public key %(key)s…. It stays in this page's memory until you "
    + "leave or reload the page, and is never sent to the server.", { source, key: key.publicHex.slice(0, 16) }));
}

async function loadKeyFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  try {
    key = readKeyFile(JSON.parse(await file.text()));
    keyLoaded(file.name);
  } catch (error) {
    key = null;
    const reason = error instanceof SealingError ? tr(error.message) : tr("It is not a key file (not JSON).");
    say($("#key-status"), tr("That file was not loaded: %(reason)s", { reason }));
  } finally {
    event.target.value = "";
  }
}

function makeKey() {
  const keyFile = generateKeyFile();
  const name = `unionvote-trustee-key-${keyFile.public_key.slice(2, 10)}.json`;
  const link = document.createElement("a");
  const url = URL.createObjectURL(new Blob([keyFileText(keyFile)], { type: "application/json" }));
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  key = readKeyFile(keyFile);
  keyLoaded(tr("made here"));
  $("#public_key").value = JSON.stringify({ proof: keyFile.proof, public_key: keyFile.public_key });
  say($("#key-status"), `${$("#key-status").textContent} ${tr("Its file, %(name)s, has been downloaded: keep it "
    + "safe, off shared computers. Now register its public key with the form below.", { name })}`);
  $("#register-form button[type=submit]").focus();
}

/* With a key made or loaded here, registering it does not reload the page (which would forget the key): the
   form is posted by fetch and the registered keys' list is taken from the page the server answers with. */
async function registerInPlace(event) {
  if (!key) return; // nothing to keep: the form submits as it does without JavaScript
  event.preventDefault();
  const form = event.target;
  let answer;
  try {
    answer = await fetch(form.action, { method: "POST", body: new FormData(form),
                                        headers: { "x-csrftoken": csrfToken(), accept: "text/html" } });
  } catch {
    form.submit();
    return;
  }
  if (!answer.ok || !answer.redirected) {
    form.submit(); // refused: show the server's error page as a plain submission would (nothing was changed)
    return;
  }
  const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
  const section = 'section[aria-labelledby="registered-heading"]';
  $(section).replaceWith(fresh.querySelector(section));
  say($(".notice"), (fresh.querySelector(".notice") || {}).textContent || "");
  $("#public_key").value = "";
  $("#registered-heading").setAttribute("tabindex", "-1");
  $("#registered-heading").focus();
}

async function refreshBallots(force = false) {
  const box = $("#trustee-ballots");
  const busy = box.contains(document.activeElement) && document.activeElement.matches("input, button, summary, a");
  if (!force && (box.querySelector("details[open]") || busy)) return;
  const answer = await fetch(box.dataset.refresh, { headers: { accept: "text/html" } });
  if (!answer.ok) return;
  const html = await answer.text();
  if (html !== box.dataset.last) {
    box.dataset.last = html;
    box.innerHTML = html;
    reveal(box);
  }
}

async function decrypt(button) {
  const message = $("#decrypt-message");
  if (!key) {
    say(message, tr("Load your key file first (or make a key), then press “Decrypt the result” again."));
    $("#key-file").focus();
    return;
  }
  const ballot = button.dataset.decrypt;
  button.disabled = true;
  say(message, tr("Decrypting ballot %(ballot)s…", { ballot }));
  const started = performance.now();
  try {
    const answer = await fetch(button.dataset.tally, { headers: { accept: "application/json" } });
    const tally = await answer.json();
    if (!answer.ok) throw new SealingError(tally.error || tr("The sealed tally could not be fetched."));
    const partial = decryptTally(key, tally, { checkVotes: $("#check-votes").checked });
    const sent = await fetch(button.dataset.post, {
      method: "POST", body: JSON.stringify(partial),
      headers: { "content-type": "application/json", accept: "application/json", "x-csrftoken": csrfToken() },
    });
    const reply = await sent.json();
    if (!sent.ok) throw new SealingError(reply.error || tr("The partial decryption was refused."));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    say(message, tr("Ballot %(ballot)s: %(message)s (checked, decrypted and sent in %(seconds)s s.)",
                   { ballot, message: reply.message, seconds }));
  } catch (error) {
    const reason = error instanceof SealingError ? tr(error.message) : tr("The server could not be reached.");
    say(message, tr("Ballot %(ballot)s was not decrypted: %(reason)s", { ballot, reason }));
    button.disabled = false;
    return;
  }
  await refreshBallots(true);
  const title = $(`#awaiting-${ballot}-title`);
  if (title) title.focus();
}

reveal(document);
$("#key-file").addEventListener("change", loadKeyFile);
$("#make-key").addEventListener("click", makeKey);
$("#register-form").addEventListener("submit", registerInPlace);
$("#trustee-ballots").addEventListener("click", (event) => {
  const button = event.target.closest("[data-decrypt]");
  if (button) decrypt(button);
});
setInterval(() => refreshBallots().catch(() => {}), 5000);
