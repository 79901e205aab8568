/**
 * `gpu-worker join` options. Pure (arguments and environment in, options or one line of error
 * out), so every message a user can get is unit-tested. The node credential is never taken from
 * the command line: other users of the machine can read a process's arguments.
 */
import { flags } from '../cli/flags';

export const DEFAULT_GATEWAY = 'http://127.0.0.1:4000/graphql';
export const JOIN_OPTIONS = '--gateway URL, --credential-file FILE, --claim-tflops X, --once, --json';

export interface JoinOptions {
  gateway: string;
  /** Where the credential comes from: a file to read, or the environment's value. */
  credential: { file: string } | { env: string };
  /** TFLOP/s to claim; absent: measured on this GPU at the challenge size, derated. */
  claimTflops?: number;
  /** Certify (when needed) and exit: 0 certified, 1 not. */
  once: boolean;
  json: boolean;
}

export type ParsedJoin = { ok: true; options: JoinOptions } | { ok: false; error: string };

function checkGateway(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--gateway expects the gateway's GraphQL URL, e.g. ${DEFAULT_GATEWAY} (got "${text}")`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--gateway expects an http:// or https:// URL, e.g. ${DEFAULT_GATEWAY} (got "${text}")`;
  return null;
}

export function parseJoinArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedJoin {
  let gateway = env['GPUX_GATEWAY_URL'] || DEFAULT_GATEWAY;
  let gatewayFrom = env['GPUX_GATEWAY_URL'] ? 'GPUX_GATEWAY_URL' : '';
  let file: string | undefined;
  let claimTflops: number | undefined;
  let once = false;
  let json = false;
  for (const { flag, arg, inline, value } of flags(args)) {
    switch (flag) {
      case '--once':
      case '--json':
        if (inline !== undefined) return { ok: false, error: `${flag} takes no value (got "${arg}")` };
        if (flag === '--once') once = true;
        else json = true;
        break;
      case '--gateway': {
        const text = value();
        if (!text) return { ok: false, error: `--gateway needs a URL, e.g. --gateway ${DEFAULT_GATEWAY}` };
        gateway = text;
        gatewayFrom = '';
        break;
      }
      case '--credential-file': {
        const text = value();
        if (!text) return { ok: false, error: '--credential-file needs the path of a file holding the node credential from registerNode' };
        file = text;
        break;
      }
      case '--claim-tflops': {
        const text = value();
        const x = Number(text);
        if (text === undefined || !/^\d*\.?\d+(e[-+]?\d+)?$/i.test(text) || !(Number.isFinite(x) && x > 0)) {
          return { ok: false, error: `--claim-tflops expects a positive number of TFLOP/s, e.g. --claim-tflops 0.02${text === undefined ? '' : ` (got "${text}")`}` };
        }
        claimTflops = x;
        break;
      }
      case '--credential':
      case '--token':
      case '--key':
        return {
          ok: false,
          error: `the node credential is never given on the command line (others can read it there): put it in a file for --credential-file, or in GPUX_NODE_CREDENTIAL`,
        };
      default:
        return {
          ok: false,
          error: arg.startsWith('-') ? `unknown option ${flag} for join (options: ${JOIN_OPTIONS})` : `unexpected argument "${arg}" for join (options: ${JOIN_OPTIONS})`,
        };
    }
  }
  const bad = checkGateway(gateway);
  if (bad) return { ok: false, error: gatewayFrom ? bad.replace('--gateway', gatewayFrom) : bad };
  let credential: JoinOptions['credential'];
  if (file !== undefined) credential = { file };
  else if (env['GPUX_NODE_CREDENTIAL']?.trim()) credential = { env: env['GPUX_NODE_CREDENTIAL'].trim() };
  else return { ok: false, error: 'join needs the node credential from registerNode: --credential-file FILE, or GPUX_NODE_CREDENTIAL in the environment' };
  return { ok: true, options: { gateway, credential, ...(claimTflops === undefined ? {} : { claimTflops }), once, json } };
}

/** The credential in a file's text: its one non-empty line. Null with the reason when unusable. */
export function credentialFromFile(text: string, file: string): { ok: true; credential: string } | { ok: false; error: string } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return { ok: false, error: `the credential file ${file} is empty: write the credential registerNode returned into it` };
  if (lines.length > 1 || /\s/.test(lines[0] ?? '')) return { ok: false, error: `the credential file ${file} must hold just the credential, on one line` };
  return { ok: true, credential: lines[0] ?? '' };
}
