// The API key of this tab: in memory only. It is never written to localStorage, sessionStorage,
// a cookie or the console, so closing or reloading the tab signs out.
import { signsOut } from '../lib/errors';

type Listener = () => void;

let apiKey: string | null = null;
/** Sign-in's `me` answered for the key: the gateway's refusal of it signs out from then on. */
let accepted = false;
/** The console signed out because the gateway refused the key; until the next sign-in. */
let refused = false;
const listeners = new Set<Listener>();

function changed(): void {
  for (const listener of [...listeners]) listener();
}

export const session = {
  get key(): string | null {
    return apiKey;
  },
  /** Whether the tab was signed out because the gateway refused its key (and not signed in since). */
  get refused(): boolean {
    return refused;
  },
  /**
   * Signs in with `key` (null: signs out). The key is being checked until `accept`: a refusal of it
   * until then is the sign-in's to tell, which signs out itself.
   */
  set(key: string | null): void {
    apiKey = key;
    accepted = false;
    refused = false;
    changed();
  },
  /** Sign-in's check of `key` passed (if it is still the one held). */
  accept(key: string): void {
    if (key === apiKey) accepted = true;
  },
  /**
   * The gateway refused `key` (UNAUTHENTICATED, or a socket closed 4401): signs out when it is the
   * accepted key held now (lib/errors.ts `signsOut`), and says whether it did.
   */
  refuse(key: string | null): boolean {
    if (!signsOut(key, { key: apiKey, accepted })) return false;
    apiKey = null;
    accepted = false;
    refused = true;
    changed();
    return true;
  },
  onChange(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
