// docker-compose.yml as the real docker-compose resolves it (no Docker engine needed, and no
// registry: images cannot be pulled here), for the compose specs. There is no YAML parser among the
// project's dependencies, so YAML is turned into JSON by the PyYAML that docker-compose itself runs on.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '../../..');
export const composeFile = path.join(root, 'docker-compose.yml');
export const gpuOverride = path.join(root, 'docker-compose.gpu.yml');

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  environment?: Record<string, string | number | null>;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  restart?: string;
  deploy?: {
    resources?: {
      reservations?: { devices?: { driver?: string; count?: string | number; capabilities?: string[] }[] };
    };
  };
}
export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function run(command: string, args: string[], input?: string) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', input });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      `${command} is missing: this test needs it to validate docker-compose.yml ` +
        '(Debian: apt-get install docker-compose, or run infra/scripts/install-system-deps.sh as root)',
    );
  }
  if (result.error) throw result.error;
  return result;
}

export function compose(...args: string[]): string {
  return composeFiles([composeFile], ...args);
}

export function composeFiles(files: string[], ...args: string[]): string {
  const result = run('docker-compose', [...files.flatMap((f) => ['-f', f]), ...args]);
  if (result.status !== 0) {
    throw new Error(`docker-compose ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

export function yamlToJson(yaml: string): unknown {
  const script = 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)';
  const result = run('python3', ['-c', script], yaml);
  if (result.status !== 0) throw new Error(`converting YAML to JSON failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The resolved configuration: anchors merged, defaults filled in, relative paths made absolute. */
export function composeConfig(): ComposeConfig {
  return yamlToJson(compose('config')) as ComposeConfig;
}
