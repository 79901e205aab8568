// The ports of `npm start` as the operator's Node scripts (smoke.js, demo.js, dead-letters.js) find
// them: a GPUX_<NAME>_PORT given in the environment, else the one the run folder's start kept in
// ports.env (lib.sh's record_ports writes it; it is there until that start's Kafka and Redis stop),
// else the default. lib.sh reads them in the same order, so `npm run stop` and these scripts find
// the same stack: without ports.env a start on moved ports was checked (or its dead letters read)
// at the default ports, another checkout's stack perhaps. Plain CommonJS, no dependencies: the
// scripts run without a build, and the compose image copies this file beside demo.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The run folder, as lib.sh takes it: GPUX_RUN_DIR, else .run of this checkout. */
const runDir = () => process.env.GPUX_RUN_DIR || path.resolve(__dirname, '../..', '.run');

/** The run folder's ports.env. */
const portsFile = () => path.join(runDir(), 'ports.env');

/** The VAR=port lines of ports.env as { VAR: 'port' }; {} when there is none (nothing running). */
function keptPorts() {
  let text;
  try {
    text = fs.readFileSync(portsFile(), 'utf8');
  } catch {
    return {};
  }
  return Object.fromEntries(
    text.split('\n').flatMap((line) => {
      const m = /^(GPUX_[A-Z_]+_PORT)=(.*)$/.exec(line);
      return m ? [[m[1], m[2]]] : [];
    }),
  );
}

/**
 * The value of `variable` (GPUX_GATEWAY_PORT…) as given, unchecked: the environment's (an empty
 * one counts as not given, as in lib.sh), else ports.env's, else `fallback`. `from` names where a
 * value came from for a message: the variable, or the variable in that file.
 */
function lookupPort(variable, fallback) {
  const given = process.env[variable];
  if (given) return { value: given, from: variable };
  const kept = keptPorts()[variable];
  if (kept !== undefined) return { value: kept, from: `${variable} in ${portsFile()}` };
  return { value: String(fallback), from: variable };
}

/**
 * The port `variable` names (lookupPort), checked as lib.sh's check_ports does: 1 to 65535, no
 * sign, no leading zero. Otherwise `refuse` is called with one line that names the variable (and
 * ports.env, where the value came from there) and what it is: each script refuses in its own way
 * (its tag, exit 2).
 */
function port(variable, fallback, refuse) {
  const { value, from } = lookupPort(variable, fallback);
  if (!/^[1-9][0-9]{0,4}$/.test(value) || Number(value) > 65535)
    return refuse(`${from} must be a TCP port, 1 to 65535 (it is '${value}')`);
  return Number(value);
}

module.exports = { runDir, portsFile, lookupPort, port };
