/**
 * `gpu-worker join`: the options, the GPU (adapter printed, tuned kernel plugged into the
 * challenge prover), the gateway client and the stop signals around a WorkerAgent.
 */
import { readFile } from 'node:fs/promises';
import { proveChallenge } from '../challenge/prover';
import { tunedHalfMatmul, tunedMatmul } from '../challenge/tuned';
import { AdapterChoiceError, openGpu, useDawnToggles } from '../gpu/webgpu';
import { EXIT, WorkerAgent } from './agent';
import { measureClaim } from './claim';
import { GatewayClient } from './client';
import { credentialFromFile, parseJoinArgs } from './options';
import { consoleReporter } from './report';

export interface JoinIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: JoinIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function runJoin(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: JoinIo = processIo,
): Promise<number> {
  const parsed = parseJoinArgs(args, env);
  if (!parsed.ok) {
    io.err(`gpu-worker: ${parsed.error}`);
    return EXIT.usage;
  }
  const { options } = parsed;
  useDawnToggles(options.dawnToggles);
  let credential: string;
  if ('file' in options.credential) {
    const file = options.credential.file;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      io.err(
        `gpu-worker: cannot read the credential file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
      return EXIT.usage;
    }
    const read = credentialFromFile(text, file);
    if (!read.ok) {
      io.err(`gpu-worker: ${read.error}`);
      return EXIT.usage;
    }
    credential = read.credential;
  } else credential = options.credential.env;

  const report = consoleReporter(options.json, io.out, io.err);
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) report({ event: 'stopped', signal });
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let gpu: Awaited<ReturnType<typeof openGpu>>;
  try {
    gpu = await openGpu(options.adapter);
  } catch (error) {
    // A --adapter that fits no adapter is a bad option; no adapter at all is the caller's to report.
    if (!(error instanceof AdapterChoiceError)) throw error;
    io.err(`gpu-worker: ${error.message}`);
    return EXIT.usage;
  }
  try {
    report({ event: 'adapter', adapter: gpu.adapter });
    const tuned = await tunedMatmul(gpu.device, gpu.adapter, {
      onProgress: options.json ? undefined : (m) => io.err(`gpu-worker: [autotune] ${m}`),
    });
    report({
      event: 'kernel',
      variant: tuned.variant,
      gflops: tuned.gflops,
      fromCache: tuned.fromCache,
      ...(tuned.fallbackReason ? { fallbackReason: tuned.fallbackReason } : {}),
    });
    // --f16: the f16 kernel that accumulates in f32, for the f16 challenges (none without shader-f16).
    const half = options.f16
      ? await tunedHalfMatmul(gpu.device, gpu.adapter, {
          onProgress: options.json ? undefined : (m) => io.err(`gpu-worker: [autotune] ${m}`),
        })
      : null;
    if (options.f16 && !half)
      io.err(
        'gpu-worker: --f16: this adapter has no f16 kernel (shader-f16): f16 challenges run the f32 kernel',
      );
    const prove = (challenge: Parameters<typeof proveChallenge>[1]) =>
      proveChallenge(gpu.device, challenge, {
        matmul: tuned.runner,
        ...(half ? { matmulF16: half.runner } : {}),
      });
    try {
      const agent = new WorkerAgent({
        client: new GatewayClient(options.gateway, credential),
        prove,
        measureClaim: (size, precision) =>
          measureClaim(
            async (challenge) => {
              const proof = await prove(challenge);
              proof.discard();
              return proof.timings.totalMs;
            },
            size,
            precision,
          ),
        ...(options.claimTflops === undefined ? {} : { claimTflops: options.claimTflops }),
        adapter: gpu.adapter.description || gpu.adapter.device,
        certifyF16: options.f16,
        once: options.once,
        report,
        signal: controller.signal,
      });
      return await agent.run();
    } finally {
      tuned.destroy();
      half?.destroy();
    }
  } finally {
    gpu.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
