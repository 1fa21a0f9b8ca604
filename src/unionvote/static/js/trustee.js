/* A trustee's two steps in the browser, exactly as `unionvote trustee keygen` and `unionvote trustee decrypt`
   do them (src/unionvote/sealing/: group.py, proofs.py, trustees.py, tallyfile.py; every byte is in
   docs/audit-format.md, "Sealed ballots"). No DOM here: trustee-page.js drives the page, and a node test
   checks this module against the Python code.

   The curve arithmetic and SHA-256 are @noble/curves and @noble/hashes (vendored, audited); the protocol
   (challenge framing, proofs, file formats) is ours. Secret scalars go only through noble's constant-time
   `multiply`; `multiplyUnsafe` is used with public scalars only (weights, verification). */

import { secp256k1 } from "../vendor/noble/curves/secp256k1.js";
import { sha256 } from "../vendor/noble/hashes/sha2.js";

const Point = secp256k1.Point;
export const ORDER = Point.Fn.ORDER;
export const KEY_FILE_KIND = "unionvote-trustee-key";
export const KEY_LABEL = "trustee-key";
export const TALLY_FORMAT = "unionvote-sealed-tally/1";
export const PARTIAL_FORMAT = "unionvote-partial-decryption/1";
export const PAPERS_FORMAT = "unionvote-sealed-papers/1"; // a ranked ballot's papers, sealed whole
export const PAPER_DECRYPTION_FORMAT = "unionvote-paper-decryption/1";
const DOMAIN = "unionvote/sealed/v1";
const POINT_BYTES = 33;
const encoder = new TextEncoder();

export class SealingError extends Error {}

const mod = (k) => ((k % ORDER) + ORDER) % ORDER;

function bytesToHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function hexToBytes(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const HEX = /^[0-9a-fA-F]*$/;

export function scalarHex(k) {
  return mod(k).toString(16).padStart(64, "0");
}

export function scalarFromHex(text, what) {
  if (typeof text !== "string" || text.length !== 64) {
    throw new SealingError(`${what} is not a 32-byte scalar in hex (64 characters).`);
  }
  if (!HEX.test(text)) throw new SealingError(`${what} is not hexadecimal.`);
  const value = BigInt("0x" + text);
  if (value >= ORDER) throw new SealingError(`${what} is not below the group order.`);
  return value;
}

/** A uniform scalar in 1..n-1 from the browser's (or node's) cryptographic generator, by rejection. */
export function randomScalar() {
  const buffer = new Uint8Array(32);
  for (;;) {
    globalThis.crypto.getRandomValues(buffer);
    const k = BigInt("0x" + bytesToHex(buffer));
    buffer.fill(0);
    if (k >= 1n && k < ORDER) return k;
  }
}

/** SEC 1 compressed form (33 bytes); the identity is 33 zero bytes. */
export function pointBytes(p) {
  return p.is0() ? new Uint8Array(POINT_BYTES) : p.toBytes(true);
}

export function pointHex(p) {
  return bytesToHex(pointBytes(p));
}

export function pointFromHex(text, what, identityOk = false) {
  if (typeof text !== "string" || text.length !== 2 * POINT_BYTES) {
    throw new SealingError(`${what} is not a 33-byte point in hex (66 characters).`);
  }
  if (!HEX.test(text)) throw new SealingError(`${what} is not hexadecimal.`);
  if (/^0+$/.test(text)) {
    if (identityOk) return Point.ZERO;
    throw new SealingError(`${what} is the identity, which is not allowed here.`);
  }
  if (!text.startsWith("02") && !text.startsWith("03")) {
    throw new SealingError(`${what} does not start with 02 or 03 (compressed form).`);
  }
  try {
    const p = Point.fromHex(text);
    p.assertValidity();
    return p;
  } catch {
    throw new SealingError(`${what} is not a point on secp256k1.`);
  }
}

function frame(data) {
  const out = new Uint8Array(4 + data.length);
  new DataView(out.buffer).setUint32(0, data.length, false);
  out.set(data, 4);
  return out;
}

/** Fiat-Shamir, as group.challenge: SHA-256 over framed fields (domain, tag, label, then each field) mod n. */
export function challenge(tag, label, ...fields) {
  const hash = sha256.create();
  hash.update(frame(encoder.encode(DOMAIN)));
  hash.update(frame(encoder.encode(tag)));
  hash.update(frame(encoder.encode(label)));
  for (const item of fields) hash.update(frame(item instanceof Uint8Array ? item : pointBytes(item)));
  return BigInt("0x" + bytesToHex(hash.digest())) % ORDER;
}

const G = Point.BASE;
const baseTimes = (k) => G.multiply(k); // constant time; k in 1..n-1
const publicTimes = (p, k) => (mod(k) === 0n || p.is0() ? Point.ZERO : p.multiplyUnsafe(mod(k)));

function proofDict(c, v) {
  return { challenges: [scalarHex(c)], responses: [scalarHex(v)] };
}

function readProof(data, what) {
  if (!data || typeof data !== "object" || Object.keys(data).sort().join() !== "challenges,responses") {
    throw new SealingError(`${what} is not an object with exactly challenges and responses.`);
  }
  const { challenges: cs, responses: vs } = data;
  if (!Array.isArray(cs) || !Array.isArray(vs) || cs.length !== 1 || vs.length !== 1) {
    throw new SealingError(`${what} must have 1 challenge(s) and 1 response(s).`);
  }
  return [scalarFromHex(cs[0], `${what}.challenges[0]`), scalarFromHex(vs[0], `${what}.responses[0]`)];
}

/** Schnorr proof of knowledge of s with K = s·G: a = w·G, c = H("key", label, K, a), v = w + c·s. */
export function proveKey(secret, publicKey, label = KEY_LABEL) {
  const w = randomScalar();
  const c = challenge("key", label, publicKey, baseTimes(w));
  return proofDict(c, mod(w + c * secret));
}

export function verifyKey(publicKey, proof, label = KEY_LABEL) {
  const [c, v] = readProof(proof, "proof");
  const a = publicTimes(G, v).subtract(publicTimes(publicKey, c));
  return challenge("key", label, publicKey, a) === c;
}

/** The public half a trustee registers: {public_key, proof}, as `unionvote trustee keygen` prints it. */
export function publishedOf(secret) {
  const publicKey = baseTimes(secret);
  return { public_key: pointHex(publicKey), proof: proveKey(secret, publicKey) };
}

/** A new key file, the same JSON object `unionvote trustee keygen --out FILE` writes. */
export function generateKeyFile() {
  const secret = randomScalar();
  const published = publishedOf(secret);
  return { kind: KEY_FILE_KIND, proof: published.proof, public_key: published.public_key,
           secret_key: scalarHex(secret), version: 1 };
}

/** The key file's text: sorted keys, two-space indent and a final newline, as the command writes it. */
export function keyFileText(keyFile) {
  const sorted = { kind: keyFile.kind, proof: { challenges: keyFile.proof.challenges,
                   responses: keyFile.proof.responses }, public_key: keyFile.public_key,
                   secret_key: keyFile.secret_key, version: keyFile.version };
  return JSON.stringify(sorted, null, 2) + "\n";
}

/** A loaded key: the secret scalar and its public key (checked against the file, as TrusteeKey.from_key_file). */
export function readKeyFile(data) {
  if (!data || typeof data !== "object" || data.kind !== KEY_FILE_KIND || data.version !== 1) {
    throw new SealingError("This is not a unionvote trustee key file (version 1).");
  }
  const secret = scalarFromHex(data.secret_key, "secret_key");
  if (secret === 0n) throw new SealingError("secret_key is zero.");
  const publicKey = baseTimes(secret);
  if (data.public_key !== pointHex(publicKey)) {
    throw new SealingError("The key file's public key does not match its secret key.");
  }
  return { secret, publicKey, publicHex: pointHex(publicKey) };
}

function readCiphertext(data, what, identityOk = false) {
  if (!data || typeof data !== "object" || Object.keys(data).sort().join() !== "alpha,beta") {
    throw new SealingError(`${what} is not an object with exactly alpha and beta.`);
  }
  return { alpha: pointFromHex(data.alpha, `${what}.alpha`, identityOk),
           beta: pointFromHex(data.beta, `${what}.beta`, identityOk) };
}

const ciphertextDict = (ct) => ({ alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) });

/** Per slot, the sum of weight · ciphertext: votes of equal weight are added first, then multiplied once. */
export function weightedTally(votes, slots) {
  const byWeight = new Map();
  for (const { cts, weight } of votes) {
    if (weight === 0n) continue;
    if (!byWeight.has(weight)) byWeight.set(weight, []);
    byWeight.get(weight).push(cts);
  }
  const tally = [];
  for (let j = 0; j < slots; j++) {
    let alpha = Point.ZERO;
    let beta = Point.ZERO;
    for (const [weight, group] of byWeight) {
      let a = Point.ZERO;
      let b = Point.ZERO;
      for (const cts of group) {
        a = a.add(cts[j].alpha);
        b = b.add(cts[j].beta);
      }
      alpha = alpha.add(weight === 1n ? a : publicTimes(a, weight));
      beta = beta.add(weight === 1n ? b : publicTimes(b, weight));
    }
    tally.push({ alpha, beta });
  }
  return tally;
}

function u32(n) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

function readBranches(data, what, branches) {
  if (!data || typeof data !== "object" || Object.keys(data).sort().join() !== "challenges,responses"
      || !Array.isArray(data.challenges) || !Array.isArray(data.responses)
      || data.challenges.length !== branches || data.responses.length !== branches) {
    throw new SealingError(`${what} must have ${branches} challenge(s) and ${branches} response(s).`);
  }
  return data.challenges.map((c, i) => [scalarFromHex(c, `${what}.challenges[${i}]`),
                                        scalarFromHex(data.responses[i], `${what}.responses[${i}]`)]);
}

/** Disjunctive Chaum-Pedersen, as proofs.verify_range: (alpha, beta) encrypts one of lo..hi under `key`. */
function verifyRange(key, ct, branches, lo, hi, tag, label, context) {
  const commitments = [];
  branches.forEach(([c, v], i) => {
    const k = BigInt(lo + i);
    commitments.push(publicTimes(G, v).subtract(publicTimes(ct.alpha, c)));
    commitments.push(publicTimes(key, v).subtract(publicTimes(ct.beta.subtract(publicTimes(G, k)), c)));
  });
  const total = challenge(tag, label, key, ...context, ct.alpha, ct.beta, u32(lo), u32(hi), ...commitments);
  return mod(branches.reduce((sum, [c]) => sum + c, 0n)) === total;
}

/** Every proof of one sealed vote (each slot is 0 or 1; the method's sum rule holds), as votes.check_sealed. */
export function checkVote(key, label, rule, sealed, cts, what) {
  const slotProofs = sealed.slot_proofs;
  if (!Array.isArray(slotProofs) || slotProofs.length !== cts.length) {
    throw new SealingError(`${what}.slot_proofs must hold ${cts.length} proofs.`);
  }
  cts.forEach((ct, j) => {
    const branches = readBranches(slotProofs[j], `${what}.slot_proofs[${j}]`, 2);
    if (!verifyRange(key, ct, branches, 0, 1, "slot", label, [u32(j)])) {
      throw new SealingError(`${what}: slot ${j}: the proof that it encrypts 0 or 1 does not verify`);
    }
  });
  let alpha = Point.ZERO;
  let beta = Point.ZERO;
  cts.forEach((ct, j) => {
    const k = BigInt(rule.coefficients[j]);
    alpha = alpha.add(publicTimes(ct.alpha, k));
    beta = beta.add(publicTimes(ct.beta, k));
  });
  const context = [u32(cts.length), ...cts.flatMap((ct) => [ct.alpha, ct.beta])];
  const branches = readBranches(sealed.sum_proof, `${what}.sum_proof`, rule.hi - rule.lo + 1);
  if (!verifyRange(key, { alpha, beta }, branches, rule.lo, rule.hi, "sum", label, context)) {
    throw new SealingError(`${what}: the proof that the choices are allowed by the ballot's method does not verify`);
  }
}

/** tally_hash: SHA-256 (hex) of the canonical JSON of the tally's ciphertexts in slot order. */
export function tallyHash(tally) {
  const text = "[" + tally.map((ct) => `{"alpha":"${pointHex(ct.alpha)}","beta":"${pointHex(ct.beta)}"}`).join(",")
    + "]";
  return bytesToHex(sha256(encoder.encode(text)));
}

/** Read a sealed tally file, check the trustees' key proofs, and recompute the tally from every sealed vote and
    its weight; the stated tally must be that sum (so a server cannot pass off one vote as "the tally").
    Each vote's own proofs are checked too with `checkVotes` (slower: a few milliseconds a slot); otherwise
    the server checked them at cast time, and `unionvote trustee decrypt` and `unionvote audit verify` do. */
export function readTally(data, { checkVotes = false } = {}) {
  if (!data || typeof data !== "object" || data.format !== TALLY_FORMAT) {
    throw new SealingError(`This is not a sealed tally file (${TALLY_FORMAT}).`);
  }
  const { label, rule, trustees, votes, tally: stated } = data;
  if (typeof label !== "string" || !rule || !Array.isArray(rule.coefficients) || !Array.isArray(trustees)
      || !Array.isArray(votes) || !Array.isArray(stated)) {
    throw new SealingError("The sealed tally file is missing or misshapes a field.");
  }
  const slots = rule.coefficients.length;
  const publics = checkedTrustees(trustees);
  const electionKey = trustees.reduce((sum, t) => sum.add(pointFromHex(t.public_key, "public_key")), Point.ZERO);
  if (checkVotes && (electionKey.is0() || !Number.isSafeInteger(rule.lo) || !Number.isSafeInteger(rule.hi)
                     || rule.hi < rule.lo)) {
    throw new SealingError("The sealed tally file's election key or sum rule is not usable.");
  }
  const read = votes.map((item, i) => {
    const weight = item && item.weight;
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new SealingError(`votes[${i}].weight is not a whole number, zero or more.`);
    }
    const cts = item.sealed && item.sealed.slots;
    if (!Array.isArray(cts) || cts.length !== slots) {
      throw new SealingError(`votes[${i}].sealed.slots must hold ${slots} ciphertexts.`);
    }
    const read = cts.map((ct, j) => readCiphertext(ct, `votes[${i}].sealed.slots[${j}]`));
    if (checkVotes) checkVote(electionKey, label, rule, item.sealed, read, `votes[${i}]`);
    return { weight: BigInt(weight), cts: read };
  });
  const tally = weightedTally(read, slots);
  const recomputed = tally.map(ciphertextDict);
  if (JSON.stringify(recomputed) !== JSON.stringify(stated.map((ct) => ({ alpha: ct && ct.alpha, beta: ct && ct.beta })))) {
    throw new SealingError("The stated tally is not the weighted sum of the votes.");
  }
  return { label, publics, tally, votes: read.length };
}

/** D = s·alpha with its Chaum-Pedersen proof: a = w·G, b = w·alpha, c = H("decrypt", label, K_i, alpha, beta,
    D, a, b), v = w + c·s. The empty tally (alpha the identity) needs no share. */
export function partialDecrypt(secret, publicKey, ct, label) {
  if (ct.alpha.is0()) return { share: pointHex(Point.ZERO), proof: proofDict(0n, 0n) };
  const share = ct.alpha.multiply(secret);
  const w = randomScalar();
  const c = challenge("decrypt", label, publicKey, ct.alpha, ct.beta, share, baseTimes(w), ct.alpha.multiply(w));
  return { share: pointHex(share), proof: proofDict(c, mod(w + c * secret)) };
}

function checkedTrustees(trustees) {
  if (!Array.isArray(trustees)) throw new SealingError("The file's trustees are missing.");
  return trustees.map((t, i) => {
    if (!t || typeof t !== "object") throw new SealingError(`trustees[${i}] is not an object.`);
    const key = pointFromHex(t.public_key, `trustees[${i}].public_key`);
    if (!verifyKey(key, t.proof)) {
      throw new SealingError(`trustees[${i}]: the proof of knowledge of the key does not verify`);
    }
    return pointHex(key);
  });
}

/** A ranked ballot's papers (sealing.papers): check the trustees and the papers' hash, then give D = s·R of every
    paper with its Chaum-Pedersen proof, c = H("paper", label, K_i, R, D, a, b): as papers.decrypt_papers. */
export function decryptPapers(key, data) {
  const { label, candidates, papers } = data;
  if (typeof label !== "string" || !Number.isSafeInteger(candidates) || candidates < 1 || !Array.isArray(papers)) {
    throw new SealingError("The papers file is missing or misshapes a field.");
  }
  const publics = checkedTrustees(data.trustees);
  if (!publics.includes(key.publicHex)) throw new SealingError("Your key is not one of this ballot's trustees' keys.");
  const size = 2 * (2 + 2 * candidates + 16);
  const read = papers.map((paper, j) => {
    if (!paper || typeof paper !== "object" || Object.keys(paper).sort().join() !== "R,box") {
      throw new SealingError(`papers[${j}] is not an object with exactly R and box.`);
    }
    if (typeof paper.box !== "string" || paper.box.length !== size || !/^[0-9a-f]*$/.test(paper.box)) {
      throw new SealingError(`papers[${j}].box is not ${size / 2} bytes in lowercase hex.`);
    }
    return { R: pointFromHex(paper.R, `papers[${j}].R`), box: paper.box };
  });
  const listed = "[" + read.map((p) => `{"R":"${pointHex(p.R)}","box":"${p.box}"}`).join(",") + "]";
  const hash = bytesToHex(sha256(encoder.encode(listed)));
  if (data.papers_hash !== hash) throw new SealingError("papers_hash is not the hash of the papers listed.");
  const shares = read.map(({ R }) => {
    const share = R.multiply(key.secret);
    const w = randomScalar();
    const c = challenge("paper", label, key.publicKey, R, share, baseTimes(w), R.multiply(w));
    return { share: pointHex(share), proof: proofDict(c, mod(w + c * key.secret)) };
  });
  return { format: PAPER_DECRYPTION_FORMAT, label, public_key: key.publicHex, papers_hash: hash, shares };
}

/** The partial-decryption document `unionvote trustee decrypt` writes, for a key and a sealed tally file
    (or, for a ranked ballot, a file of sealed papers). */
export function decryptTally(key, data, options = {}) {
  if (data && typeof data === "object" && data.format === PAPERS_FORMAT) return decryptPapers(key, data);
  const checked = readTally(data, options);
  if (!checked.publics.includes(key.publicHex)) {
    throw new SealingError("Your key is not one of this ballot's trustees' keys.");
  }
  return { format: PARTIAL_FORMAT, label: checked.label, public_key: key.publicHex,
           tally_hash: tallyHash(checked.tally),
           partials: checked.tally.map((ct) => partialDecrypt(key.secret, key.publicKey, ct, checked.label)) };
}

/** Check a partial decryption's proofs (what the server does before it stores one), for tests and the page. */
export function verifyPartial(publicKey, ct, partial, label) {
  const share = pointFromHex(partial.share, "share", true);
  if (ct.alpha.is0()) return share.is0();
  const [c, v] = readProof(partial.proof, "proof");
  const a = publicTimes(G, v).subtract(publicTimes(publicKey, c));
  const b = publicTimes(ct.alpha, v).subtract(publicTimes(share, c));
  return challenge("decrypt", label, publicKey, ct.alpha, ct.beta, share, a, b) === c;
}

export { bytesToHex, hexToBytes };
