/**
 * `gpu-worker join`: the options, the GPU (adapter printed, tuned kernel plugged into the
 * challenge prover), the gateway client and the stop signals around a WorkerAgent.
 */
import { readFile, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { AdapterChoiceError, openGpu, useDawnToggles } from '../gpu/webgpu';
import { EXIT, WorkerAgent } from './agent';
import { checkClaimOption, measureClaim } from './claim';
import { ChallengeKernels } from './kernels';
import { GatewayClient } from './client';
import { credentialFromFile, parseJoinArgs } from './options';
import { consoleReporter, type Reporter } from './report';

export interface JoinIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: JoinIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** What the usual reasons a credential file cannot be read mean, after their code. */
const UNREADABLE: Record<string, string> = {
  ENOENT: ': no such file; write the credential registerNode showed into it',
  EACCES: ': permission denied to this user',
};

/**
 * The most a credential file may hold: a node credential is one line of 37 characters (at most 256
 * are taken), so anything larger is the wrong file. Checked before it is read: /dev/zero named as
 * the file was read until the string could grow no more (680 MB), and a pipe with no writer hung.
 */
const MAX_CREDENTIAL_FILE_BYTES = 4096;

/** The text of a credential file, or why it is not one (a device, a pipe, a directory, too large). */
async function readCredentialFile(file: string): Promise<{ text: string } | { error: string }> {
  const info = await stat(file);
  if (info.isDirectory()) return { error: `the credential file ${file} is a directory, not a file` };
  if (!info.isFile())
    return {
      error: `the credential file ${file} is not a regular file (a device, a pipe or a socket): write the credential registerNode returned into a file and name that`,
    };
  if (info.size > MAX_CREDENTIAL_FILE_BYTES)
    return {
      error: `the credential file ${file} is ${info.size} bytes, far more than a node credential (one line of 37 characters): name the file the credential was written to`,
    };
  return { text: await readFile(file, 'utf8') };
}

/** Exits the process now: the agent's work in flight is not waited for. */
function exitNow(code: number): void {
  process.exitCode = code;
  process.exit(code);
}

/**
 * What SIGINT and SIGTERM do: the first stops the agent (it sends nothing more of a challenge in
 * flight, leaves its session, and run() ends); a second exits at once, 128 + the signal's number,
 * for an operator who will not wait for the GPU work in flight to end (listening to the signals
 * took Node's default exit away). Once the agent has ended (`finished`: its exit code), a signal
 * that comes while the GPU is closed exits with that code: nothing is abandoned then, and a
 * service manager's second signal does not turn a clean stop into 143.
 */
export function stopOnSignal(
  controller: AbortController,
  report: Reporter,
  exit: (code: number) => void = exitNow,
  finished: () => number | undefined = () => undefined,
): (signal: NodeJS.Signals) => void {
  return (signal) => {
    const done = finished();
    if (done !== undefined) {
      exit(done);
      return;
    }
    if (controller.signal.aborted) {
      const exitCode = 128 + (constants.signals[signal] ?? 0);
      report({ event: 'stopped', signal, exitCode });
      exit(exitCode);
      return;
    }
    report({ event: 'stopped', signal });
    controller.abort();
  };
}

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
    let read: { text: string } | { error: string };
    try {
      read = await readCredentialFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.err(
        `gpu-worker: cannot read the credential file ${file} (${code ? `${code}${UNREADABLE[code] ?? ''}` : String(error)})`,
      );
      return EXIT.usage;
    }
    const found =
      'error' in read ? { ok: false as const, error: read.error } : credentialFromFile(read.text, file);
    if (!found.ok) {
      io.err(`gpu-worker: ${found.error}`);
      return EXIT.usage;
    }
    credential = found.credential;
  } else credential = options.credential.env;

  const report = consoleReporter(options.json, io.out, io.err);
  const controller = new AbortController();
  let finished: number | undefined;
  const stop = stopOnSignal(controller, report, exitNow, () => finished);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let gpu: Awaited<ReturnType<typeof openGpu>>;
  try {
    gpu = await openGpu(options.adapter, options.adapterFrom);
  } catch (error) {
    // A --adapter that fits no adapter is a bad option; no adapter at all is the caller's to report.
    if (!(error instanceof AdapterChoiceError)) throw error;
    io.err(`gpu-worker: ${error.message}`);
    return EXIT.usage;
  }
  try {
    report({ event: 'adapter', adapter: gpu.adapter });
    // Tuned at the session's challenge size, before the claim is measured or stated (kernels.ts).
    const kernels = new ChallengeKernels(gpu, {
      f16: options.f16,
      report,
      warn: io.err,
      ...(options.json ? {} : { onProgress: (m: string) => io.err(`gpu-worker: [autotune] ${m}`) }),
    });
    // A claim's rate: whole proofs with the kernels tuned at `size` (claim.ts); `signal` stops them.
    const measure = (size: number, precision: string, signal?: AbortSignal) =>
      measureClaim(
        async (challenge) => {
          const proof = await kernels.prove(challenge, signal);
          proof.discard();
          return proof.timings.totalMs;
        },
        size,
        precision,
      );
    try {
      const agent = new WorkerAgent({
        client: new GatewayClient(options.gateway, credential, {
          urlOption: options.gatewayFrom ?? '--gateway',
        }),
        prove: (challenge, signal) => kernels.prove(challenge, signal),
        prepare: (size, signal) => kernels.prepare(size, signal),
        measureClaim: measure,
        ...(options.claimTflops === undefined ? {} : { claimTflops: options.claimTflops }),
        // Measured at the default sizing (no session yet): the kernels tuned at its smallest size,
        // the size most sessions start from, are the ones the agent prepares first anyway.
        checkClaim: async (claim) => {
          const check = await checkClaimOption(claim, async (size) => {
            await kernels.prepare(size);
            return measure(size, 'f32');
          });
          return check.ok ? null : check.error;
        },
        adapter: gpu.adapter.description || gpu.adapter.device,
        certifyF16: options.f16,
        once: options.once,
        replace: options.replace,
        report,
        signal: controller.signal,
      });
      finished = await agent.run();
      return finished;
    } finally {
      kernels.destroy();
    }
  } finally {
    gpu.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
