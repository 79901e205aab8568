// The API key of this tab: in memory only. It is never written to localStorage, sessionStorage,
// a cookie or the console, so closing or reloading the tab signs out.
type Listener = () => void;

let apiKey: string | null = null;
const listeners = new Set<Listener>();

export const session = {
  get key(): string | null {
    return apiKey;
  },
  set(key: string | null): void {
    apiKey = key;
    for (const listener of listeners) listener();
  },
  onChange(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
