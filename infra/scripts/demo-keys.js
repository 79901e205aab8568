// The demo accounts' API keys, kept across starts: `npm start` runs the demo each time, and before
// it kept them each run minted two more keys that never expire (the API gives keys no expiry).
// The keys the last run printed are kept in the run folder (demo-api-keys.json, mode 600, beside
// admin-api-key); a run reuses each one that still works (a `me` with it answers its account, with
// the roles it was made with) and mints only where none does: none kept yet, a purged event log,
// a key revoked, or a file that cannot be read.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Where the keys are kept: the run folder's demo-api-keys.json. */
const keysFile = (runDir) => path.join(runDir, 'demo-api-keys.json');

/** The kept keys, { accountId: { key, roles } }; {} when there are none or the file is not JSON of that shape. */
function readKept(file) {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter(
      ([, v]) =>
        v &&
        typeof v.key === 'string' &&
        v.key !== '' &&
        Array.isArray(v.roles) &&
        v.roles.every((r) => typeof r === 'string'),
    ),
  );
}

/**
 * Keeps `keys` in `file` (mode 600, written whole: a reader never sees half of it). Returns why it
 * could not, or undefined: not keeping them costs only new keys next time, so the demo goes on.
 */
function writeKept(file, keys) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
    return undefined;
  } catch (error) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Never written (its folder cannot be made): nothing to remove.
    }
    return error.code ?? error.message;
  }
}

const sameRoles = (a, b) => a.length === b.length && [...a].sort().every((r, i) => r === [...b].sort()[i]);

/**
 * The account's demo key: the kept one (`kept`, { key, roles } or undefined) when it has the roles
 * wanted and still works (`whoAmI(key)` answers the account: the API's `me`; null where the key is
 * refused), else a new one (`mint()`). `reused` says which.
 */
async function demoKey(accountId, roles, kept, { whoAmI, mint }) {
  if (kept && sameRoles(kept.roles, roles) && (await whoAmI(kept.key)) === accountId)
    return { key: kept.key, reused: true };
  return { key: await mint(), reused: false };
}

module.exports = { keysFile, readKept, writeKept, demoKey };
