// `nx run-many -t build` must leave everything a built program loads, by construction: every
// library behind a `@gpux/*` alias is a project with its own build target, cached with its own
// output folder, so a cache hit restores it too (a service's build emits the libraries it
// imports, but its cached outputs hold only its own folder). Without this, `npm start` found
// `@gpux/read-models` missing after a build that was restored from the cache.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as T;

interface Target {
  outputs?: string[];
  options?: { command?: string };
}
interface Project {
  name: string;
  targets?: Record<string, Target>;
}

const nx = readJson<{ targetDefaults: Record<string, Target> }>('nx.json');
const { paths } = readJson<{ compilerOptions: { paths: Record<string, string[]> } }>(
  'tsconfig.base.json',
).compilerOptions;
const libraryFolders = [
  ...new Set(
    Object.values(paths)
      .flat()
      .map((target) => target.split('/').slice(0, 2).join('/')),
  ),
].sort();

describe('the build is complete by construction', () => {
  it('finds the libraries behind the path aliases', () => {
    expect(libraryFolders).toEqual(
      expect.arrayContaining(['libs/contracts', 'libs/eventsourcing', 'libs/read-models']),
    );
  });

  it.each(libraryFolders)(
    '%s has a build target that compiles it into its own cached output folder',
    (folder) => {
      const project = readJson<Project>(`${folder}/project.json`);
      const build = project.targets?.['build'];
      expect(build).toBeDefined();
      const command = build?.options?.command ?? nx.targetDefaults['build']?.options?.command ?? '';
      const tsconfig = command.match(/tsc -p \{projectRoot\}\/(\S+)/)?.[1];
      expect(tsconfig).toBeDefined();
      const config = readJson<{ compilerOptions: { outDir: string; noEmit?: boolean } }>(
        `${folder}/${tsconfig}`,
      );
      expect(config.compilerOptions.noEmit).not.toBe(true);
      expect(path.resolve(root, folder, config.compilerOptions.outDir)).toBe(path.join(root, 'dist/out-tsc'));
      const outputs = build?.outputs ?? nx.targetDefaults['build']?.outputs ?? [];
      expect(outputs).toContain('{workspaceRoot}/dist/out-tsc/{projectRoot}');
    },
  );

  it('builds a project after the libraries it imports', () => {
    expect(nx.targetDefaults['build']).toEqual(expect.objectContaining({ dependsOn: ['^build'] }));
  });
});
