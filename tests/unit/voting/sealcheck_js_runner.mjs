// Runs static/js/sealcheck.js's check for tests/unit/voting/test_sealcheck_js.py: a JSON request on standard
// input ({election_key, sealed, randomness, options, chosen, blank_slot}), the check's answer on standard output.
import { readFileSync } from "node:fs";
import { checkSealing, selectionOf } from "../../../src/unionvote/static/js/sealcheck.js";

const r = JSON.parse(readFileSync(0, "utf-8"));
const selection = selectionOf(r.options, r.chosen, r.blank_slot);
process.stdout.write(JSON.stringify(checkSealing(r.election_key, r.sealed, r.randomness, selection)));
