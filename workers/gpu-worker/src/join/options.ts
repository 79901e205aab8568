/**
 * `gpu-worker join` options. Pure (arguments and environment in, options or one line of error
 * out), so every message a user can get is unit-tested. The node credential is never taken from
 * the command line: other users of the machine can read a process's arguments.
 */
import { COMMANDS, DEFAULT_GATEWAY, localGateway } from '../cli/commands';
import { readOptions, stringValue } from '../cli/options';
import { AdapterOption, adapterOption, dawnTogglesOption } from '../gpu/options';
import type { DawnToggles } from '../gpu/toggles';

export { DEFAULT_GATEWAY };

export interface JoinOptions extends AdapterOption {
  gateway: string;
  /** Present when the gateway's URL came from the environment, so that messages name it. */
  gatewayFrom?: GatewayVariable;
  /** Where the credential comes from: a file to read, or the environment's value. */
  credential: { file: string } | { env: string };
  /** TFLOP/s to claim; absent: measured on this GPU at the challenge size, derated. */
  claimTflops?: number;
  /** Dawn toggles for the process's instance (--dawn-toggles, GPUX_DAWN_TOGGLES); absent: none. */
  dawnToggles?: DawnToggles;
  /** Certify (when needed) and exit: 0 certified, 1 not, 5 another worker keeps the node's session live. */
  once: boolean;
  /** With --once, take the node's session even from a live worker (which then stops, exit 4). */
  replace: boolean;
  /** Also certify f16, apart, after each f32 certification. */
  f16: boolean;
  json: boolean;
}

/** The variables the gateway's URL may come from when --gateway is not given (gatewayFromEnv). */
export type GatewayVariable = 'GPUX_GATEWAY_URL' | 'GPUX_GATEWAY_PORT';

export type ParsedJoin = { ok: true; options: JoinOptions } | { ok: false; error: string };

/**
 * Node credentials (what registerNode and rotateNodeCredential hand out) start with this; API keys
 * do not. The gateway's NODE_CREDENTIAL_PREFIX (services/gateway/src/api/auth.ts), which the
 * worker may not import.
 */
export const NODE_CREDENTIAL_PREFIX = 'gpxn_';
/** How an account's API key starts (the gateway's createApiKey): what a provider may give by mistake. */
const API_KEY_PREFIX = 'gpx_';

/**
 * The longest key the gateway looks up (its KEY_LENGTH.max); the credentials registerNode gives out
 * are 37 characters. A longer one was never given out, and as a header it could pass the gateway's
 * 16 KiB limit, which would answer about the request's size rather than the credential.
 */
const MAX_CREDENTIAL_LENGTH = 256;

/** `text` as a message may quote it: whatever stands before an `@` (a user name, a password) left out. */
const withoutUserinfo = (text: string) =>
  text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^?#]*@/i, (_, scheme?: string) => `${scheme ?? ''}…@`);

function checkGateway(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--gateway expects the gateway's GraphQL URL, e.g. ${DEFAULT_GATEWAY} (got "${withoutUserinfo(text)}")`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `--gateway expects an http:// or https:// URL, e.g. ${DEFAULT_GATEWAY} (got "${withoutUserinfo(text)}")`;
  // fetch refuses such a URL before sending anything, and the password would be in every log line.
  if (url.username || url.password)
    return `--gateway must not hold a user name or password (user:password@): give the URL without them, e.g. ${DEFAULT_GATEWAY}; the worker authenticates with its node credential`;
  return null;
}

/**
 * Why `credential` cannot be a node credential, or null when it can; `from` names where it was
 * read. The credential itself is never quoted. A node credential is printable ASCII without spaces
 * (what the gateway takes in a bearer token; anything else cannot even be sent as a header).
 */
export function checkCredential(credential: string, from: string): string | null {
  if (credential.length > MAX_CREDENTIAL_LENGTH)
    return `${from} holds ${credential.length} characters, more than any node credential (registerNode gives out 37): copy the credential registerNode returned exactly`;
  if (!/^[\x21-\x7e]+$/.test(credential))
    return `${from} holds a character no node credential has (a space, a control character or a non-ASCII one): copy the credential registerNode returned exactly`;
  if (!credential.startsWith(NODE_CREDENTIAL_PREFIX)) {
    // Copied from the JSON answer with its quotes: the credential is there, in quotes.
    const quoted = /^(["'`]).*\1$/.test(credential) && credential.slice(1).startsWith(NODE_CREDENTIAL_PREFIX);
    if (quoted)
      return `${from} holds the node credential in quotes (as the JSON answer shows it): write it without the quotes`;
    const apiKey = credential.startsWith(API_KEY_PREFIX) ? ': it looks like an API key' : '';
    return `${from} holds no node credential (those start with ${NODE_CREDENTIAL_PREFIX})${apiKey}; a node credential comes from registerNode, or rotateNodeCredential for a new one`;
  }
  return null;
}

/**
 * The gateway's URL when --gateway is not given: GPUX_GATEWAY_URL, else the local gateway on
 * GPUX_GATEWAY_PORT (the variable that moves the gateway's port under `npm start`, so a worker run
 * where it is exported finds that gateway), else DEFAULT_GATEWAY. An empty variable counts as unset.
 */
function gatewayFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; gateway: string; gatewayFrom?: GatewayVariable } | { ok: false; error: string } {
  const url = env['GPUX_GATEWAY_URL'];
  if (url) return { ok: true, gateway: url, gatewayFrom: 'GPUX_GATEWAY_URL' };
  const port = env['GPUX_GATEWAY_PORT'];
  if (!port) return { ok: true, gateway: DEFAULT_GATEWAY };
  // As infra/scripts/lib.sh takes it (check_ports): no sign, no leading zero, 1 to 65535.
  if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535)
    return {
      ok: false,
      error: `GPUX_GATEWAY_PORT must be a TCP port, 1 to 65535 (got "${port}"): the local gateway's port, as npm start takes it; or give the URL with --gateway or GPUX_GATEWAY_URL`,
    };
  return { ok: true, gateway: localGateway(port), gatewayFrom: 'GPUX_GATEWAY_PORT' };
}

export function parseJoinArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedJoin {
  const spec = COMMANDS.join;
  const read = readOptions(spec, args);
  if (!read.ok) return read;
  const { values } = read;
  const missing = (name: 'gateway' | 'credential-file') => ({
    ok: false as const,
    error: spec.options[name].missing,
  });

  const given = stringValue(values, 'gateway');
  if (given === '') return missing('gateway');
  const envGateway = given === undefined ? gatewayFromEnv(env) : undefined;
  if (envGateway && !envGateway.ok) return envGateway;
  const gateway = given ?? envGateway?.gateway ?? DEFAULT_GATEWAY;
  const gatewayFrom = envGateway?.gatewayFrom;
  const bad = checkGateway(gateway);
  if (bad) return { ok: false, error: gatewayFrom ? bad.replace('--gateway', gatewayFrom) : bad };

  const file = stringValue(values, 'credential-file');
  if (file === '') return missing('credential-file');

  let claimTflops: number | undefined;
  const claim = stringValue(values, 'claim-tflops');
  if (claim !== undefined) {
    claimTflops = Number(claim);
    if (!/^\d*\.?\d+(e[-+]?\d+)?$/i.test(claim) || !(Number.isFinite(claimTflops) && claimTflops > 0)) {
      return {
        ok: false,
        error: `--claim-tflops expects a positive number of TFLOP/s, e.g. --claim-tflops 0.02 (got "${claim}")`,
      };
    }
  }

  const adapter = adapterOption(values, env);
  if (!adapter.ok) return adapter;
  const toggles = dawnTogglesOption(values, env);
  if (!toggles.ok) return toggles;

  let credential: JoinOptions['credential'];
  const fromEnv = env['GPUX_NODE_CREDENTIAL']?.trim();
  if (file !== undefined) credential = { file };
  else if (fromEnv) {
    const wrong = checkCredential(fromEnv, 'GPUX_NODE_CREDENTIAL');
    if (wrong) return { ok: false, error: wrong };
    credential = { env: fromEnv };
  } else
    return {
      ok: false,
      error:
        'join needs the node credential from registerNode: --credential-file FILE, or GPUX_NODE_CREDENTIAL in the environment',
    };
  return {
    ok: true,
    options: {
      gateway,
      ...(gatewayFrom ? { gatewayFrom } : {}),
      credential,
      ...(claimTflops === undefined ? {} : { claimTflops }),
      ...adapter.option,
      ...toggles.option,
      once: values['once'] === true,
      replace: values['replace'] === true,
      f16: values['f16'] === true,
      json: values['json'] === true,
    },
  };
}

/** The credential in a file's text: its one non-empty line. Null with the reason when unusable. */
export function credentialFromFile(
  text: string,
  file: string,
): { ok: true; credential: string } | { ok: false; error: string } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0)
    return {
      ok: false,
      error: `the credential file ${file} is empty: write the credential registerNode returned into it`,
    };
  if (lines.length > 1 || /\s/.test(lines[0] ?? ''))
    return { ok: false, error: `the credential file ${file} must hold just the credential, on one line` };
  const credential = lines[0] ?? '';
  const wrong = checkCredential(credential, `the credential file ${file}`);
  return wrong ? { ok: false, error: wrong } : { ok: true, credential };
}
