import type Redis from 'ioredis';
import { GenerationBuild, GenerationBuildOptions, GenerationBuildOutcome } from './generation-build';
import { projectionKeys } from './keys';
import type { ProjectionLogger } from './options';

type Switched = Extract<GenerationBuildOutcome, { kind: 'switched' }>;

export interface RebuildRequestsOptions {
  redis: Redis;
  projectionName: string;
  logger: ProjectionLogger;
  /** What a build here is made of (the runner's projection, Kafka, batch options). */
  build: () => GenerationBuildOptions;
  /** After a switch made here: count it, and adopt the new epoch. */
  onSwitched: (outcome: Switched) => Promise<void>;
}

/**
 * A projection's asked-for rebuilds (issue 11): a request is the projection's `rebuildRequest`
 * key, set by `request()` (ProjectionRunner.rebuild) or by an operator (docs/operations.md). The
 * runner that takes the build lock serves it with a GenerationBuild; the others find it busy and
 * look again on their next epoch check, so an instance that stops mid-build leaves the request
 * to another. A build given up on a batch that keeps failing deletes the request: it would fail
 * again (the partition's poison shows in the error log).
 */
export class RebuildRequests {
  private build: GenerationBuild | undefined;
  private serving: Promise<GenerationBuildOutcome> | undefined;
  private readonly keys: ReturnType<typeof projectionKeys>;

  constructor(private readonly options: RebuildRequestsOptions) {
    this.keys = projectionKeys(options.projectionName);
  }

  /** A build is under way here. */
  get active(): boolean {
    return this.serving !== undefined;
  }

  /** Asks for a rebuild and resolves once a new generation is the model (built here or elsewhere). */
  async request(): Promise<void> {
    const { redis, projectionName } = this.options;
    await redis.set(this.keys.rebuildRequest, new Date().toISOString());
    for (;;) {
      const outcome = await this.serve();
      if (outcome.kind === 'switched') return;
      if (outcome.kind === 'abandoned')
        throw new Error(`projection ${projectionName}: rebuild abandoned: ${outcome.reason}`);
      // Another instance is building: done when it has switched (its switch deletes the request).
      if ((await redis.exists(this.keys.rebuildRequest)) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Builds the asked-for generation here, unless a build is under way (here: joined; elsewhere: busy). */
  serve(): Promise<GenerationBuildOutcome> {
    this.serving ??= this.buildHere().finally(() => {
      this.serving = undefined;
    });
    return this.serving;
  }

  /** Abandons a build under way here, and waits for it to have cleaned up. */
  async stop(): Promise<void> {
    this.build?.stop();
    await this.serving?.catch(() => undefined);
  }

  private async buildHere(): Promise<GenerationBuildOutcome> {
    const { redis, projectionName, logger } = this.options;
    const build = new GenerationBuild(this.options.build());
    this.build = build;
    const outcome = await build.run().finally(() => {
      this.build = undefined;
    });
    if (outcome.kind === 'switched') {
      logger.log({
        msg: 'projection switched to a rebuilt generation',
        projection: projectionName,
        ...outcome,
      });
      await this.options.onSwitched(outcome);
    } else if (outcome.kind === 'abandoned') {
      logger.error({
        msg: 'projection rebuild abandoned',
        projection: projectionName,
        reason: outcome.reason,
      });
      if (outcome.final) await redis.del(this.keys.rebuildRequest);
    }
    return outcome;
  }
}
