/* "Check the sealing first" (Benaloh's cast-or-audit) on a delegate's ballot form. Loaded only when the voter
   asks (static/js/sealcheck-start.js). The server seals the choice on screen and answers the sealed vote with a
   one-time handle; the voter casts it, or challenges it: the server then reveals each slot's randomness r, and
   this page recomputes every ciphertext (r·G, r·K + m·G) from r and the choice on screen and says plainly
   whether the server sealed what the voter chose. A challenged vote is never cast; a fresh one is sealed.
   Curve arithmetic: @noble/curves (vendored), through trustee.js's encodings. */

import { secp256k1 } from "../vendor/noble/curves/secp256k1.js";
import { pointFromHex, pointHex, SealingError, scalarFromHex } from "./trustee.js";

const G = secp256k1.Point.BASE;

/** One 0/1 per option, in the ballot's order, and for up-to-K a last blank slot (1 when nothing is chosen). */
export function selectionOf(options, chosen, blankSlot) {
  const slots = options.map((key) => (chosen.includes(key) ? 1 : 0));
  return blankSlot ? [...slots, chosen.length ? 0 : 1] : slots;
}

/** Recompute each slot's ciphertext from the revealed randomness and the selection; the slots that differ. */
export function checkSealing(electionKeyHex, sealed, randomnessHex, selection) {
  const key = pointFromHex(electionKeyHex, "election key");
  const slots = sealed.slots;
  if (!Array.isArray(slots) || slots.length !== selection.length || randomnessHex.length !== slots.length) {
    return { ok: false, slots: slots ? slots.length : 0, differ: ["the number of parts"] };
  }
  const differ = [];
  slots.forEach((slot, j) => {
    const r = scalarFromHex(randomnessHex[j], `randomness ${j}`);
    if (r === 0n) {
      differ.push(j);
      return;
    }
    const alpha = G.multiply(r);
    const beta = selection[j] ? key.multiply(r).add(G) : key.multiply(r);
    if (pointHex(alpha) !== slot.alpha || pointHex(beta) !== slot.beta) differ.push(j);
  });
  return { ok: differ.length === 0, slots: slots.length, differ };
}

// The page's words in the reader's language (a JSON block the server fills: unionvote/script_words.py), English
// when missing; `%(name)s` placeholders are filled from `values`.
const block = typeof document === "undefined" ? null : document.getElementById("uv-words"); // node: tests
const words = JSON.parse((block || {}).textContent || "{}");
const say = (english, values = {}) => (words[english] || english).replace(/%\((\w+)\)s/g, (_, name) => values[name]);

const csrfToken = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

async function ask(url, body) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin", body: JSON.stringify(body),
    headers: { "content-type": "application/json", accept: "application/json", "x-csrftoken": csrfToken() },
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new SealingError(answer.detail || say("The server answered %(status)s.", { status: response.status }));
  return answer;
}

function element(tag, attributes, text) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) made.setAttribute(name, value);
  if (text) made.textContent = text;
  return made;
}

function controllerFor(form) {
  const out = form.querySelector("[data-sealcheck-out]");
  const base = form.getAttribute("action");
  const chosenNow = () => [...form.querySelectorAll('input[name="choice"]:checked')].map((i) => i.value);
  const wordsFor = (keys) => keys.map((key) => {
    const input = form.querySelector(`input[name="choice"][value="${CSS.escape(key)}"]`);
    const label = input && form.querySelector(`label[for="${CSS.escape(input.id)}"]`);
    return label ? label.textContent.trim() : key;
  }).join(", ") || say("no option (a blank vote)");
  let prepared = null;
  let sealedFor = null;

  const forget = () => {
    prepared = null;
    for (const field of form.querySelectorAll("input[data-sealcheck-field]")) field.remove();
  };
  form.addEventListener("change", (event) => {
    if (prepared && event.target.name === "choice") {
      forget();
      out.replaceChildren(element("p", {}, say("You changed your choice. Press “Check the sealing first” to seal "
        + "it again, or cast your vote.")));
    }
  });

  const show = (...parts) => out.replaceChildren(...parts);

  async function sealNow(note) {
    forget();
    sealedFor = chosenNow();
    show(...(note || []), element("p", {}, say("Sealing your choice…")));
    prepared = await ask(`${base}/seal`, { choice: sealedFor });
    const cast = element("button", { type: "button", class: "button button--primary" }, say("Cast this sealed vote"));
    const challenge = element("button", { type: "button", class: "button" }, say("Challenge it: show me it is my choice"));
    cast.addEventListener("click", () => castPrepared());
    challenge.addEventListener("click", () => challengePrepared().catch(failed));
    show(...(note || []), element("p", {}, say("The server has sealed your choice: %(choice)s. It has %(parts)s encrypted parts. "
      + "Cast it, or challenge it to see that it holds your choice (a challenged sealing is then set aside and a "
      + "fresh one made).", { choice: wordsFor(sealedFor), parts: prepared.sealed.slots.length })), cast, challenge);
  }

  function castPrepared() {
    for (const [name, value] of [["sealed", JSON.stringify(prepared.sealed)], ["handle", prepared.handle]]) {
      form.append(element("input", { type: "hidden", name, value, "data-sealcheck-field": "" }));
    }
    form.submit();
  }

  async function challengePrepared() {
    const checking = prepared;
    forget();
    show(element("p", {}, say("Asking the server to reveal how it sealed your choice…")));
    const { randomness } = await ask(`${base}/seal/reveal`, { sealed: checking.sealed, handle: checking.handle });
    const selection = selectionOf(checking.options, chosenNow(), checking.blank_slot);
    const result = checkSealing(checking.election_key, checking.sealed, randomness, selection);
    const verdict = result.ok
      ? element("p", { class: "status-box status-box--in", "data-sealcheck-verdict": "ok" },
        say("Checked: the server sealed exactly what you chose (%(choice)s). All %(parts)s encrypted parts were "
          + "recomputed in this page from the randomness it revealed. That sealing has been shown, so it will not "
          + "be cast.", { choice: wordsFor(chosenNow()), parts: result.slots }))
      : element("p", { class: "status-box status-box--out", "data-sealcheck-verdict": "bad" },
        say("Warning: the sealing does NOT match the choice on your screen. Do not cast it. Tell the returning "
          + "officer now."));
    await sealNow([verdict, element("p", {}, say("A fresh sealing has been made for you to cast:"))]);
  }

  function failed(error) {
    forget();
    show(element("p", { class: "status-box status-box--out" },
      say("%(reason)s You can still cast your vote with the button below.", { reason: error.message })));
  }

  return () => sealNow().catch(failed);
}

const controllers = new WeakMap(); // one per ballot form, so its listeners are added once

/** Seal the choice on one ballot form for checking; called each time the voter presses the button. */
export function start(form) {
  if (!controllers.has(form)) controllers.set(form, controllerFor(form));
  return controllers.get(form)();
}
