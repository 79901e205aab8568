// The demo's API keys across `npm start`s (infra/scripts/demo-keys.js): kept in the run folder,
// reused while they work, minted only where they do not; before, every start minted two more.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

interface Kept {
  key: string;
  roles: string[];
}
interface DemoKeys {
  keysFile(runDir: string): string;
  readKept(file: string): Record<string, Kept>;
  writeKept(file: string, keys: Record<string, Kept>): string | undefined;
  demoKey(
    accountId: string,
    roles: string[],
    kept: Kept | undefined,
    api: { whoAmI(key: string): Promise<string | null>; mint(): Promise<string> },
  ): Promise<{ key: string; reused: boolean }>;
}
// The script's own module, as demo.js requires it (infra/scripts is no project to import from).
const demoKeys = createRequire(__filename)(
  path.resolve(__dirname, '../../..', 'infra/scripts/demo-keys.js'),
) as DemoKeys;
const demoKey = demoKeys.demoKey;

/** A stand-in for the gateway: the keys it knows (key → account), and the keys it minted. */
function gateway(known: Record<string, string>) {
  const minted: string[] = [];
  return {
    minted,
    whoAmI: async (key: string) => known[key] ?? null,
    mint: async () => {
      const key = `gpx_new_${minted.length + 1}`;
      minted.push(key);
      return key;
    },
  };
}

describe("the demo's API keys", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'demo-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reuses a kept key that still answers its account with the roles wanted: nothing minted', async () => {
    const api = gateway({ gpx_kept: 'demo-buyer' });
    const kept = { key: 'gpx_kept', roles: ['BUYER'] };
    expect(await demoKey('demo-buyer', ['BUYER'], kept, api)).toEqual({ key: 'gpx_kept', reused: true });
    expect(api.minted).toEqual([]);
  });

  it('mints where none is kept, the kept one is refused or another account’s, or its roles differ', async () => {
    const api = gateway({ gpx_other: 'demo-provider', gpx_buyer: 'demo-buyer' });
    expect(await demoKey('demo-buyer', ['BUYER'], undefined, api)).toEqual({
      key: 'gpx_new_1',
      reused: false,
    });
    // Revoked, or the event log purged since: the gateway does not know it.
    expect(await demoKey('demo-buyer', ['BUYER'], { key: 'gpx_gone', roles: ['BUYER'] }, api)).toEqual({
      key: 'gpx_new_2',
      reused: false,
    });
    expect(await demoKey('demo-buyer', ['BUYER'], { key: 'gpx_other', roles: ['BUYER'] }, api)).toEqual({
      key: 'gpx_new_3',
      reused: false,
    });
    expect(await demoKey('demo-buyer', ['BUYER'], { key: 'gpx_buyer', roles: ['PROVIDER'] }, api)).toEqual({
      key: 'gpx_new_4',
      reused: false,
    });
  });

  it('keeps the keys in the run folder for the next start, readable by its owner only', () => {
    const file = demoKeys.keysFile(dir);
    expect(file).toBe(path.join(dir, 'demo-api-keys.json'));
    expect(demoKeys.readKept(file)).toEqual({});
    const keys = { 'demo-buyer': { key: 'gpx_b', roles: ['BUYER'] } };
    expect(demoKeys.writeKept(file, keys)).toBeUndefined();
    expect(demoKeys.readKept(file)).toEqual(keys);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(keys);
  });

  it('reads a damaged file as no keys (the next start mints), and says why it cannot write one', () => {
    const file = demoKeys.keysFile(dir);
    writeFileSync(file, '{ not json');
    expect(demoKeys.readKept(file)).toEqual({});
    writeFileSync(
      file,
      JSON.stringify({ 'demo-buyer': { key: 42 }, 'demo-provider': { key: 'k', roles: ['PROVIDER'] } }),
    );
    expect(demoKeys.readKept(file)).toEqual({ 'demo-provider': { key: 'k', roles: ['PROVIDER'] } });
    // A run folder that is a file: not kept, and the reason given (the demo goes on).
    const notADir = path.join(dir, 'file');
    writeFileSync(notADir, '');
    expect(demoKeys.writeKept(path.join(notADir, 'demo-api-keys.json'), {})).toMatch(/^E[A-Z]+$/);
  });
});
