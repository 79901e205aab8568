/**
 * Every gpu-worker command and its options, described once: the parsers read them, the error
 * messages list them, and --help prints them.
 */
import { MODELS } from '@gpux/certification';
import { TOGGLES_EXAMPLE } from '../gpu/toggles';
import { ONCE_TRIES, RETRY_AFTER } from '../join/backoff';
import { CLAIM_ABOVE_MEASURED } from '../join/claim';
import { CommandSpec, OptionSpec } from './spec';

/** The local gateway's GraphQL URL on `port` (what `npm start` serves: GPUX_GATEWAY_PORT there). */
export const localGateway = (port: number | string) => `http://127.0.0.1:${port}/graphql`;
export const DEFAULT_GATEWAY = localGateway(4000);
export const DEFAULT_SIZES = [256, 512, 1024];

const json = (what: string): OptionSpec => ({
  type: 'boolean',
  description: what,
  default: 'text for people',
});
const adapter = {
  type: 'string',
  value: 'ADAPTER',
  description:
    'the adapter to use: its index in `gpu-worker adapters`, or a part of its description (any case), e.g. 1 or nvidia',
  default: '$GPUX_ADAPTER, else 0, the high-performance one',
  missing:
    '--adapter needs an adapter index or a part of its name, e.g. --adapter 0 or --adapter nvidia (list them: gpu-worker adapters)',
} satisfies OptionSpec;
const dawnToggles = {
  type: 'string',
  value: 'NAME,NAME,…',
  description:
    "Dawn toggles for the process's WebGPU instance, a leading - to disable one: on NVIDIA vulkan_enable_f16_on_nvidia " +
    'unlocks shader-f16 and allow_unsafe_apis subgroup matrices (every kernel is still checked before its result is trusted); ' +
    'Dawn ignores a name it does not know, without a word',
  default: '$GPUX_DAWN_TOGGLES, else none',
  missing: `--dawn-toggles needs Dawn toggle names separated by commas, e.g. --dawn-toggles ${TOGGLES_EXAMPLE}`,
} satisfies OptionSpec;

const adapters = {
  name: 'adapters',
  summary: 'list the WebGPU adapters Dawn finds on this machine',
  details:
    'Lists every adapter Dawn offers (high-performance, low-power, and the software fallback), one per\n' +
    'distinct device, with the index and description --adapter accepts, its vendor, architecture and\n' +
    'device, and whether it is a software fallback (a CPU implementation such as lavapipe: correct,\n' +
    'but not a GPU to sell). Exit 1 when there is none (it says which driver to install).',
  options: {
    'dawn-toggles': dawnToggles,
    json: json(
      'one JSON array on stdout, an object per adapter (dawnToggles: the toggles asked for; Dawn ignores a name it does not know)',
    ),
  },
  examples: [
    'gpu-worker adapters',
    'gpu-worker adapters --json',
    `gpu-worker adapters --dawn-toggles ${TOGGLES_EXAMPLE}`,
  ],
} satisfies CommandSpec;

const selftest = {
  name: 'selftest',
  summary: 'run a compute shader on the chosen adapter and check every element',
  details:
    'Runs out[i] = a[i] * b[i] + i over 65 536 elements on the adapter and checks each on the CPU.\nExit 0 when every element is right, 1 otherwise.',
  options: {
    adapter,
    'dawn-toggles': dawnToggles,
    json: json('one JSON object on stdout: { ok, elements, wrong, adapter }'),
  },
  examples: ['gpu-worker selftest', 'gpu-worker selftest --adapter 1 --json'],
} satisfies CommandSpec;

const benchmark = {
  name: 'benchmark',
  summary: 'autotune the matmul kernels, measure GFLOP/s and memory bandwidth',
  details:
    'Autotunes the matmul kernels (f32, and f16 where the adapter has shader-f16), then reports GFLOP/s\n' +
    'per precision and size, each result checked (Freivalds), the memory bandwidth in GB/s, and the\n' +
    "efficiency against the model's peak. The tuned choice is cached per adapter in\n" +
    '$GPUX_AUTOTUNE_CACHE (default ~/.cache/gpu-exchange/autotune.json). Progress goes to stderr.',
  options: {
    sizes: {
      type: 'string',
      value: 'N,N,…',
      description:
        'the square sizes to measure, whole numbers from 1 to 16384 that fit the adapter (4096 fits every one)',
      default: DEFAULT_SIZES.join(','),
      missing: '--sizes needs a value, e.g. --sizes 256,512,1024',
    },
    'tune-size': {
      type: 'string',
      value: 'N',
      description:
        'the square size to tune the kernels at (the fastest at 512 is not the fastest at 4096 on a GPU); challenges are 1024 or larger, sized from the claim (gpu-worker join tunes at theirs)',
      default: '512',
      missing: '--tune-size needs a size, e.g. --tune-size 4096',
    },
    model: {
      type: 'string',
      value: 'NAME',
      description: `the GPU model to compare with, one of ${MODELS.map((m) => m.name).join(', ')}`,
      default: 'none (no efficiency)',
      missing: '--model needs a GPU model name, e.g. --model H100-80GB',
    },
    retune: {
      type: 'boolean',
      description: 'measure every kernel variant again instead of using the cached choice',
      default: 'use the cache',
    },
    adapter,
    'dawn-toggles': dawnToggles,
    json: json('one JSON object on stdout'),
  },
  examples: [
    'gpu-worker benchmark --model H100-80GB',
    'gpu-worker benchmark --sizes 512,1024 --retune --json',
    'gpu-worker benchmark --sizes 4096 --tune-size 4096 --dawn-toggles vulkan_enable_f16_on_nvidia,allow_unsafe_apis',
  ],
} satisfies CommandSpec;

const join = {
  name: 'join',
  summary: 'certify the node through the gateway, then heartbeat and answer spot challenges',
  details:
    'Joins the marketplace as a registered node: prints the adapter, certifies the node with a matmul\n' +
    'challenge on this GPU (autotuned kernel) when it is not certified or soon expires, then heartbeats\n' +
    'and answers spot challenges until stopped (SIGINT/SIGTERM: exit 0; it first leaves its session,\n' +
    'so the node stops selling at once, SUSPENDED NODE_LEFT until a worker joins and certifies it\n' +
    'again, instead of being declared lost a heartbeat window later). Losing the gateway means\n' +
    'retrying (1 s doubling to 30 s, with jitter, never sooner than the gateway asks; an UNAVAILABLE\n' +
    `that says when, e.g. a read model rebuilt, at that time: ${RETRY_AFTER.minMs / 1000} to ${RETRY_AFTER.maxMs / 1000} s) and joining again;\n` +
    `with --once, at most ${ONCE_TRIES} tries at a gateway that cannot be reached.\n` +
    'A node sells only while a worker heartbeats for it: after --once exits, capacity declares the node\n' +
    'lost after its heartbeat window (HEARTBEAT_TIMEOUT_MS, 20 s by default), and a node that can sell\n' +
    'is then SUSPENDED (its asks cancelled) until it certifies again. Use --once to certify (a check,\n' +
    'a script), then run join without --once to sell.\n' +
    'The newest join holds a node: join without --once takes over from any worker running as the node\n' +
    '(a restarted one takes over at once; the one replaced stops, exit 4). --once does not: while\n' +
    'another worker heartbeats for the node (within its heartbeat timeout) it takes nothing, says what\n' +
    'runs and since when, and exits 5; stop that worker first, or pass --replace to take the node over.\n' +
    `--claim-tflops is checked against what this GPU measures before anything is asked of the gateway:\n` +
    `more than ${CLAIM_ABOVE_MEASURED}× the measured rate is refused (exit 2), as its challenge allows only 1.25× the\n` +
    'claimed compute time and would fail at its deadline.\n' +
    'The node credential (gpxn_…, from registerNode) comes from --credential-file or\n' +
    '$GPUX_NODE_CREDENTIAL, never the command line (others can read it there).\n' +
    'Exit codes: 0 stopped (or certified, with --once), 1 failed, 2 bad options (an API key for the\n' +
    `credential, a --claim-tflops above ${CLAIM_ABOVE_MEASURED}× what this GPU measures or that the gateway refuses, a\n` +
    '--gateway URL that answers 404), 3 credential refused by the gateway, 4 another worker joined as\n' +
    'this node (the newest join holds a node: this one stopped rather than take it back), 5 with --once,\n' +
    'another worker runs as this node (its session live): nothing was taken, that worker keeps it.',
  options: {
    gateway: {
      type: 'string',
      value: 'URL',
      description: "the gateway's GraphQL URL",
      default: `$GPUX_GATEWAY_URL, else ${localGateway('$GPUX_GATEWAY_PORT')} (the port npm start moves), else ${DEFAULT_GATEWAY}`,
      missing: `--gateway needs a URL, e.g. --gateway ${DEFAULT_GATEWAY}`,
    },
    'credential-file': {
      type: 'string',
      value: 'FILE',
      description: 'a file holding the node credential registerNode returned, on one line',
      default: '$GPUX_NODE_CREDENTIAL',
      missing: '--credential-file needs the path of a file holding the node credential from registerNode',
    },
    'claim-tflops': {
      type: 'string',
      value: 'X',
      description: `the TFLOP/s to certify (the whole node), which sets the challenge's deadline; at most ${CLAIM_ABOVE_MEASURED}× what this GPU measures (checked first, in seconds)`,
      default: 'measured here at the challenge size, halved',
      missing: '--claim-tflops expects a positive number of TFLOP/s, e.g. --claim-tflops 0.02',
    },
    adapter,
    'dawn-toggles': dawnToggles,
    once: {
      type: 'boolean',
      description: `certify if needed and exit: 0 certified, 1 not (or the gateway not reached in ${ONCE_TRIES} tries), 5 another worker runs as the node (left alone; see --replace); the node, no longer heartbeating, is then declared lost after the heartbeat window (20 s by default) and, if it could sell, SUSPENDED: run join without --once to sell`,
      default: 'keep running',
    },
    replace: {
      type: 'boolean',
      description:
        "with --once, take the node's session even while another worker heartbeats for it (that worker stops, exit 4, and the node is declared lost once this one exits); without it --once leaves a live session alone and exits 5",
      default: 'with --once, leave a live session alone; without --once a join always takes over',
    },
    f16: {
      type: 'boolean',
      description:
        'after each f32 certification, certify f16 apart too (its own claim, measured with the f16 kernel; needs shader-f16)',
      default: 'f32 only',
    },
    json: json('one JSON object per event on stdout'),
  },
  refused: Object.fromEntries(
    ['credential', 'token', 'key'].map((name) => [
      name,
      'the node credential is never given on the command line (others can read it there): put it in a file for --credential-file, or in GPUX_NODE_CREDENTIAL',
    ]),
  ),
  examples: [
    'gpu-worker join --credential-file ~/.config/gpu-exchange/node-credential',
    'GPUX_NODE_CREDENTIAL=gpxn_… gpu-worker join --gateway https://gpux.example/graphql --once --json',
  ],
} satisfies CommandSpec;

export const COMMANDS = { adapters, selftest, benchmark, join } as const;
export type CommandName = keyof typeof COMMANDS;

export const isCommand = (name: string): name is CommandName =>
  Object.prototype.hasOwnProperty.call(COMMANDS, name);
