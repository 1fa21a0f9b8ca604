// Runs one step of static/js/trustee.js for tests/unit/sealing/test_trustee_js.py: a JSON request on
// standard input, the JSON answer on standard output ({"error": message} when the module refuses).
import { readFileSync } from "node:fs";
import * as trustee from "../../../src/unionvote/static/js/trustee.js";

const request = JSON.parse(readFileSync(0, "utf-8"));
const steps = {
  keygen: () => {
    const keyFile = trustee.generateKeyFile();
    return { text: trustee.keyFileText(keyFile) };
  },
  read: ({ key }) => ({ public_key: trustee.readKeyFile(key).publicHex }),
  challenge: ({ tag, label, fields }) => ({
    challenge: trustee.scalarHex(trustee.challenge(tag, label, ...fields.map(trustee.hexToBytes))),
  }),
  decrypt: ({ key, tally }) => trustee.decryptTally(trustee.readKeyFile(key), tally),
  decrypt_checked: ({ key, tally }) => trustee.decryptTally(trustee.readKeyFile(key), tally, { checkVotes: true }),
  verify_key: ({ published }) => ({
    ok: trustee.verifyKey(trustee.pointFromHex(published.public_key, "public_key"), published.proof),
  }),
};
try {
  process.stdout.write(JSON.stringify(steps[request.step](request)));
} catch (error) {
  if (!(error instanceof trustee.SealingError)) throw error;
  process.stdout.write(JSON.stringify({ error: error.message }));
}
