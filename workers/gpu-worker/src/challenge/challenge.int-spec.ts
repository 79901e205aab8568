import {
  Challenge,
  checkCommitment,
  commitProducts,
  createChallenge,
  digestsFromWords,
  entryBits,
  generateMatrix,
  hashRows,
  HASH_WORKGROUP,
  LEAF_HASH_WGSL,
  MATRIX_A,
  MATRIX_B,
  MatrixId,
  matrixKey,
  MerkleTree,
  NODE_HASH_WGSL,
  openRequest,
  parseSeed,
  randomHex,
  referenceMatmul,
  referenceProducts,
  seededRandom,
  verifyOpening,
} from '@gpux/certification';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuContext, openGpu } from '../gpu/webgpu';
import { generateOnGpu } from './generate';
import { computePipeline, dispatch, readBack, storageBuffer, uniformBuffer } from './gpu-buffers';
import { MatmulOperands, MatmulRunner, registerBlockedMatmul } from './matmul';
import { ChallengeResponder, ProofAbortedError, proveChallenge } from './prover';
import { FALLBACK_NAME, runnerFor, TunedMatmul, tunedMatmul } from './tuned';
import type { Matmul } from '../kernels/matmul';

// On the machine's real adapter (Mesa lavapipe without a GPU), no mocks.
describe('certification challenge on WebGPU', () => {
  let gpu: GpuContext;
  let tuned: TunedMatmul;
  let cacheDir: string | undefined;
  const rng = seededRandom(2024);

  beforeAll(async () => {
    gpu = await openGpu();
    // The adapter's autotuned f32 kernel, tuned here (a cache of the test's own, not the user's).
    cacheDir = await mkdtemp(join(tmpdir(), 'gpux-challenge-'));
    tuned = await tunedMatmul(gpu.device, gpu.adapter, { cachePath: join(cacheDir, 'autotune.json') });
    process.stderr.write(
      `challenge kernel on ${gpu.adapter.description}: ${tuned.variant} (${tuned.fromCache ? 'cached' : 'tuned now'})\n`,
    );
  }, 600_000);
  afterAll(async () => {
    tuned?.destroy();
    gpu?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  async function gpuMatrix(
    seed: string,
    matrix: MatrixId,
    rows: number,
    cols: number,
    output: 'f32' | 'u32' | 'f16',
  ): Promise<ArrayBuffer> {
    const buffer = await generateOnGpu(gpu.device, seed, matrix, rows, cols, output);
    try {
      return await readBack(gpu.device, buffer, rows * cols * (output === 'f16' ? 2 : 4));
    } finally {
      buffer.destroy();
    }
  }

  const sizes: [number, number][] = [
    [1, 1],
    [17, 33],
    [64, 64],
    [130, 7],
    [3, 300],
  ];

  it('the WGSL generator is bit-identical to the TypeScript one', async () => {
    const seeds = [
      '0123456789abcdeffedcba9876543210',
      'ffffffffffffffffffffffffffffffff',
      '00000000000000000000000000000000',
      randomHex(rng, 32),
    ];
    for (const seed of seeds) {
      for (const [rows, cols] of sizes) {
        for (const matrix of [MATRIX_A, MATRIX_B] as const) {
          const values = generateMatrix(parseSeed(seed), matrix, rows, cols);
          expect(new Uint32Array(await gpuMatrix(seed, matrix, rows, cols, 'f32'))).toEqual(
            new Uint32Array(values.buffer),
          );
          const key = matrixKey(parseSeed(seed), matrix);
          const bits = Uint32Array.from({ length: rows * cols }, (_, e) =>
            entryBits(key, Math.floor(e / cols), e % cols),
          );
          expect(new Uint32Array(await gpuMatrix(seed, matrix, rows, cols, 'u32'))).toEqual(bits);
        }
      }
    }
  });

  it('the f16 output holds the same values, where the adapter has shader-f16', async () => {
    if (!gpu.device.features.has('shader-f16')) {
      process.stderr.write(`adapter ${gpu.adapter.description} has no shader-f16: f16 output not checked\n`);
      return;
    }
    const seed = randomHex(rng, 32);
    const [rows, cols] = [33, 65];
    const halves = new Uint16Array(await gpuMatrix(seed, MATRIX_A, rows, cols, 'f16'));
    const values = generateMatrix(parseSeed(seed), MATRIX_A, rows, cols);
    // Decode f16: every value is a normal number or zero here.
    const decode = (h: number) =>
      h & 0x7fff ? (h & 0x8000 ? -1 : 1) * 2 ** (((h >> 10) & 0x1f) - 15) * (1 + (h & 0x3ff) / 1024) : 0;
    expect(Array.from(halves, decode)).toEqual(Array.from(values));
  });

  it('the register-blocked kernel computes A·B exactly, at sizes that are not multiples of its tiles', async () => {
    for (const [m, n, k] of [
      [1, 1, 1],
      [33, 47, 19],
      [64, 64, 64],
      [5, 130, 70],
      [97, 3, 200],
    ] as const) {
      const seed = randomHex(rng, 32);
      const a = await generateOnGpu(gpu.device, seed, MATRIX_A, m, k);
      const b = await generateOnGpu(gpu.device, seed, MATRIX_B, k, n);
      const c = storageBuffer(gpu.device, m * n * 4, 'C');
      try {
        await registerBlockedMatmul(gpu.device, a, b, c, m, n, k);
        const got = new Float32Array(await readBack(gpu.device, c, m * n * 4));
        expect(new Uint32Array(got.buffer)).toEqual(
          new Uint32Array(referenceMatmul(seed, { a: MATRIX_A, b: MATRIX_B }, m, k, n).buffer),
        );
      } finally {
        [a, b, c].forEach((x) => x.destroy());
      }
    }
  });

  it('the autotuned kernel is plugged in, and computes A·B exactly from the challenge buffers at ragged sizes', async () => {
    expect(tuned.variant).not.toBe(FALLBACK_NAME);
    expect(tuned.fallbackReason).toBeUndefined();
    for (const [m, n, k] of [
      [1, 1, 1],
      [33, 47, 19],
      [64, 64, 64],
      [5, 130, 70],
      [97, 3, 200],
      [128, 257, 131],
    ] as const) {
      const seed = randomHex(rng, 32);
      const a = await generateOnGpu(gpu.device, seed, MATRIX_A, m, k);
      const b = await generateOnGpu(gpu.device, seed, MATRIX_B, k, n);
      const c = storageBuffer(gpu.device, m * n * 4, 'C');
      try {
        await tuned.runner(gpu.device, a, b, c, m, n, k);
        const got = new Float32Array(await readBack(gpu.device, c, m * n * 4));
        expect(new Uint32Array(got.buffer)).toEqual(
          new Uint32Array(referenceMatmul(seed, { a: MATRIX_A, b: MATRIX_B }, m, k, n).buffer),
        );
      } finally {
        [a, b, c].forEach((x) => x.destroy());
      }
    }
  });

  it('a shape the tuned variant refuses is answered by the simple kernel', async () => {
    // As a real variant refuses, whether it is run or recorded into an encoder.
    const refusing = {
      run: () => Promise.reject(new RangeError('too big for textures')),
      encode: () => {
        throw new RangeError('too big for textures');
      },
    } as unknown as Matmul;
    const reasons: string[] = [];
    const ch = challenge(48);
    const { verdict } = await certify(ch, { matmul: runnerFor(refusing, (r) => reasons.push(r)) });
    expect(verdict.ok).toBe(true);
    // Asked once per product computed (three committed, the opened ones again), each time answered.
    expect(reasons.length).toBeGreaterThanOrEqual(3);
    expect(new Set(reasons)).toEqual(new Set(['too big for textures']));
  });

  it('the GPU hashes leaves and tree levels bit-identically to the TypeScript reference (node:crypto SHA-256)', async () => {
    // Every padding case around the 64-byte blocks, whole rows and rows in chunks (the last one
    // narrower), raw bit patterns (NaNs and infinities too).
    const cases = [1, 2, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 64, 100, 301].flatMap(
      (cols) =>
        [
          [cols, cols],
          [cols, Math.max(1, Math.ceil(cols / 3))],
        ] as const,
    );
    for (const [cols, width] of cases) {
      const rows = 1 + (cols % 7);
      const leaves = rows * Math.ceil(cols / width);
      const bits = Uint32Array.from({ length: rows * cols }, () => rng());
      const matrix = storageBuffer(gpu.device, bits.byteLength, 'matrix');
      const tree = storageBuffer(gpu.device, leaves * 32, 'leaves');
      const params = uniformBuffer(
        gpu.device,
        Uint32Array.from([cols, rows, width, Math.ceil(cols / width)]),
        'params',
      );
      try {
        gpu.device.queue.writeBuffer(matrix, 0, bits);
        await dispatch(
          gpu.device,
          computePipeline(gpu.device, LEAF_HASH_WGSL),
          [params, matrix, tree],
          [Math.ceil(leaves / HASH_WORKGROUP), 1],
        );
        const got = digestsFromWords(new Uint32Array(await readBack(gpu.device, tree, leaves * 32)), leaves);
        expect(got.map((d) => d.toString('hex'))).toEqual(
          hashRows(new Float32Array(bits.buffer), rows, cols, width).map((d) => d.toString('hex')),
        );
      } finally {
        [matrix, tree, params].forEach((x) => x.destroy());
      }
    }
    for (const count of [2, 3, 5, 8, 9]) {
      const words = Uint32Array.from({ length: count * 8 }, () => rng());
      const next = Math.ceil(count / 2);
      const tree = storageBuffer(gpu.device, (count + next) * 32, 'tree');
      const params = uniformBuffer(gpu.device, Uint32Array.from([count, 0, count * 8, 0]), 'params');
      try {
        gpu.device.queue.writeBuffer(tree, 0, words);
        await dispatch(gpu.device, computePipeline(gpu.device, NODE_HASH_WGSL), [params, tree], [1, 1]);
        const got = digestsFromWords(
          new Uint32Array(await readBack(gpu.device, tree, (count + next) * 32)).subarray(count * 8),
          next,
        );
        const digests = digestsFromWords(words, count);
        // The first level of the reference tree: node(2i, 2i + 1), the odd last one moved up.
        const expected = Array.from({ length: next }, (_, i) =>
          2 * i + 1 < count
            ? new MerkleTree([digests[2 * i]!, digests[2 * i + 1]!]).root
            : digests[2 * i]!.toString('hex'),
        );
        expect(got.map((d) => d.toString('hex'))).toEqual(expected);
      } finally {
        [tree, params].forEach((x) => x.destroy());
      }
    }
  });

  it('the commitment made on the GPU is the one the CPU reference makes, at ragged sizes', async () => {
    for (const [n, products] of [
      [1, 1],
      [17, 3],
      [33, 2],
      [64, 5],
      [100, 1],
      [300, 1],
    ] as const) {
      const ch = challenge(n, { products });
      const proof = await proveChallenge(gpu.device, ch, { matmul: tuned.runner });
      proof.discard();
      expect(proof.commitment.root).toBe(
        commitProducts(ch, referenceProducts(ch), { computeMs: 0, totalMs: 0 }).commitment.root,
      );
    }
  });

  it("version 3's grid: the same commitment with B kept or generated each time, recorded or awaited, and version 2 still answered", async () => {
    // 11 products: a 4×4 grid, its last row short, so A changes every 4 products and each B serves 3.
    const ch = challenge(40, { products: 11 });
    expect(ch.version).toBe(3);
    const expected = commitProducts(ch, referenceProducts(ch), { computeMs: 0, totalMs: 0 }).commitment.root;
    const awaited: MatmulRunner = (device, a, b, c, m, n, k) =>
      registerBlockedMatmul(device, a, b, c, m, n, k);
    for (const options of [
      { matmul: tuned.runner },
      { matmul: tuned.runner, cacheBytes: 0 },
      { matmul: registerBlockedMatmul },
      { matmul: awaited },
      { matmul: awaited, cacheBytes: 0 },
    ]) {
      const proof = await proveChallenge(gpu.device, ch, options);
      proof.discard();
      expect(proof.commitment.root).toBe(expected);
    }
    // The opened products are computed again out of order, from whatever the buffers held last.
    const { verdict } = await certify(challenge(40, { products: 11, openLeaves: 64 }), {
      matmul: tuned.runner,
    });
    expect(verdict).toMatchObject({ ok: true, maxRowError: 0 });
    // A challenge issued before the move to version 3 (every product its own matrices).
    const v2: Challenge = { ...challenge(40, { products: 5 }), version: 2 };
    const v2Root = commitProducts(v2, referenceProducts(v2), { computeMs: 0, totalMs: 0 }).commitment.root;
    expect(v2Root).not.toBe(
      commitProducts({ ...v2, version: 3 }, referenceProducts({ ...v2, version: 3 }), {
        computeMs: 0,
        totalMs: 0,
      }).commitment.root,
    );
    expect((await certify(v2, { matmul: tuned.runner })).verdict).toMatchObject({ ok: true });
    const proof = await proveChallenge(gpu.device, v2, { matmul: tuned.runner });
    proof.discard();
    expect(proof.commitment.root).toBe(v2Root);
    await expect(
      proveChallenge(gpu.device, { ...v2, version: 4 } as unknown as Challenge, { matmul: tuned.runner }),
    ).rejects.toThrow(/protocol version 4; this worker answers 2 and 3: upgrade it/);
  });

  it('a proof stopped by its signal submits no product after it, rejects, frees its buffers, and leaves the device answering', async () => {
    // The device as the prover sees it, noting the buffers made through it that are not destroyed yet.
    const live = new Set<GPUBuffer>();
    let made = 0;
    const device = new Proxy(gpu.device, {
      get(target, prop) {
        if (prop === 'createBuffer')
          return (descriptor: GPUBufferDescriptor) => {
            const buffer = target.createBuffer(descriptor);
            made++;
            live.add(buffer);
            const destroy = buffer.destroy.bind(buffer);
            buffer.destroy = () => {
              live.delete(buffer);
              destroy();
            };
            return buffer;
          };
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const encode = tuned.runner.encode ?? registerBlockedMatmul.encode!;
    const ch = challenge(64, { products: 40 });
    for (const recorded of [true, false]) {
      const controller = new AbortController();
      // Each product the kernel is asked for; the third stops the proof while it is submitted.
      let products = 0;
      const product = () => {
        if (++products === 3) controller.abort();
      };
      const matmul: MatmulRunner = recorded
        ? Object.assign((d: GPUDevice, ...p: MatmulOperands) => tuned.runner(d, ...p), {
            encode: ((d, e, ...p) => {
              product();
              encode(d, e, ...p);
            }) satisfies NonNullable<MatmulRunner['encode']>,
          })
        : async (d, ...p) => {
            product();
            await registerBlockedMatmul(d, ...p);
          };
      await expect(proveChallenge(device, ch, { matmul, signal: controller.signal })).rejects.toThrow(
        ProofAbortedError,
      );
      // The product being submitted when it stopped is the last: none of the 37 after it.
      expect(products).toBe(3);
      expect(made).toBeGreaterThan(0);
      expect(live.size).toBe(0);
      made = 0;
      // Already stopped: it allocates and submits nothing.
      await expect(proveChallenge(device, ch, { matmul, signal: controller.signal })).rejects.toThrow(
        /the proof of challenge .* was stopped/,
      );
      expect(products).toBe(3);
      expect(made).toBe(0);
    }
    // The device answers the next challenge; a signal that never aborts changes nothing of its proof.
    const next = challenge(40, { products: 5 });
    const { proof, verdict } = await certify(next, {
      matmul: tuned.runner,
      signal: new AbortController().signal,
    });
    expect(verdict).toMatchObject({ ok: true, maxRowError: 0 });
    expect(proof.commitment.root).toBe(
      commitProducts(next, referenceProducts(next), { computeMs: 0, totalMs: 0 }).commitment.root,
    );
  });

  it('an opening stopped by its signal computes no product again after it, rejects, and frees the buffers', async () => {
    const live = new Set<GPUBuffer>();
    const device = new Proxy(gpu.device, {
      get(target, prop) {
        if (prop === 'createBuffer')
          return (descriptor: GPUBufferDescriptor) => {
            const buffer = target.createBuffer(descriptor);
            live.add(buffer);
            const destroy = buffer.destroy.bind(buffer);
            buffer.destroy = () => {
              live.delete(buffer);
              destroy();
            };
            return buffer;
          };
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const encode = tuned.runner.encode ?? registerBlockedMatmul.encode!;
    const controller = new AbortController();
    let products = 0;
    let opening = false;
    const matmul: MatmulRunner = Object.assign(
      (d: GPUDevice, ...p: MatmulOperands) => tuned.runner(d, ...p),
      {
        encode: ((d, e, ...p) => {
          products++;
          // The second product computed again for the opening stops it.
          if (opening && products === 2) controller.abort();
          encode(d, e, ...p);
        }) satisfies NonNullable<MatmulRunner['encode']>,
      },
    );
    const ch = challenge(64, { products: 12, openLeaves: 24 });
    const proof = await proveChallenge(device, ch, { matmul });
    const request = openRequest(ch, proof.commitment, { rng, now: Date.now() });
    expect(new Set(request.leaves.map((l) => l.product)).size).toBeGreaterThan(2);
    products = 0;
    opening = true;
    await expect(proof.open(request, controller.signal)).rejects.toThrow(ProofAbortedError);
    expect(products).toBe(2);
    expect(live.size).toBe(0);
  });

  /** A challenge answered by a prover on the GPU, verified on the real clock. */
  async function certify(
    challenge: Challenge,
    options: { matmul?: MatmulRunner; signal?: AbortSignal } = {},
  ) {
    const proof = await proveChallenge(gpu.device, challenge, options);
    const request = openRequest(challenge, proof.commitment, { rng, now: Date.now() });
    const opening = await proof.open(request);
    return { proof, verdict: verifyOpening(challenge, proof.commitment, request, opening, Date.now()) };
  }

  // What these tests check is the arithmetic, the proofs and the cheaters' verdicts, not the
  // clock: a few small products have a deadline of about 1 s, which this 2-core machine missed
  // while other test suites ran beside it (DEADLINE_MISSED where ROW_MISMATCH was expected). The
  // deadline has its own test below, and e2e certifies on the real clock.
  const challenge = (n: number, options: { openLeaves?: number; products?: number } = {}) =>
    createChallenge({
      n,
      products: 3,
      precision: 'f32',
      claimedTflops: 1e-4,
      now: Date.now(),
      rng,
      slackMs: 30_000,
      ...options,
    });

  it('an honest worker with the autotuned kernel passes 200 consecutive challenges: no false failure', async () => {
    const failures: string[] = [];
    for (let i = 0; i < 200; i++) {
      const n = [64, 96, 128, 80, 113][i % 5]!;
      const ch =
        i % 7 === 3
          ? createChallenge({
              n,
              products: 2,
              precision: 'f16',
              claimedTflops: 1e-4,
              now: Date.now(),
              rng,
              slackMs: 30_000,
            })
          : challenge(n, { products: 1 + (i % 4) });
      const { verdict, proof } = await certify(ch, { matmul: tuned.runner });
      if (!verdict.ok) failures.push(`challenge ${i} (n=${n}): ${verdict.reason}: ${verdict.detail}`);
      else expect(verdict.maxRowError).toBe(0);
      expect(proof.timings.computeMs).toBeGreaterThan(0);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('a worker that computes only half the rows, half the products, or nothing is caught', async () => {
    const halfRows: MatmulRunner = (device, a, b, c, m, n, k) =>
      registerBlockedMatmul(device, a, b, c, Math.ceil(m / 2), n, k);
    for (let i = 0; i < 3; i++) {
      const { verdict } = await certify(challenge(128), { matmul: halfRows });
      expect(verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    }
    // Every other product call skipped (C left as the product before). Its skips follow the call
    // count, not the product, so the products it computes again for the opening are not all the
    // ones it committed to: caught by the proofs or by the rows, whichever an opened row meets
    // first. (A cheater that skips the same products both times is ROW_MISMATCH: protocol.spec.)
    let calls = 0;
    const halfProducts: MatmulRunner = async (device, a, b, c, m, n, k) => {
      if (calls++ % 2 === 0) await registerBlockedMatmul(device, a, b, c, m, n, k);
    };
    expect((await certify(challenge(64, { products: 6 }), { matmul: halfProducts })).verdict).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^(ROW_MISMATCH|PROOF_INVALID)$/),
    });
    const nothing: MatmulRunner = async () => undefined;
    expect((await certify(challenge(64), { matmul: nothing })).verdict).toMatchObject({
      ok: false,
      reason: 'ROW_MISMATCH',
    });
  });

  it('a worker that replays an earlier answer to a new seed is caught', async () => {
    const responder = new ChallengeResponder(gpu.device);
    const first = challenge(96);
    const firstCommitment = await responder.commit(first);
    const firstRequest = openRequest(first, firstCommitment, { rng, now: Date.now() });
    const firstOpening = await responder.open(firstRequest);
    expect(verifyOpening(first, firstCommitment, firstRequest, firstOpening, Date.now()).ok).toBe(true);
    expect(responder.inFlight).toBe(0);

    const second = challenge(96);
    // The old commitment as it was.
    expect(checkCommitment(second, firstCommitment, Date.now())).toMatchObject({ reason: 'SEED_MISMATCH' });
    // The old seed's products, committed as an answer to the new challenge.
    const replayed = await proveChallenge(gpu.device, { ...second, seed: first.seed });
    const relabelled = { ...replayed.commitment, seed: second.seed };
    const request = openRequest(second, relabelled, { rng, now: Date.now() });
    expect(
      verifyOpening(second, relabelled, request, await replayed.open(request), Date.now()),
    ).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    expect(() => responder.open(request)).toThrow(/no commitment/);
  });

  it('a claimed throughput the device cannot reach misses the deadline', async () => {
    const ch = createChallenge({
      n: 128,
      products: 4,
      precision: 'f32',
      claimedTflops: 1e6,
      now: Date.now(),
      rng,
      slackMs: 0,
      slackFraction: 0,
    });
    const proof = await proveChallenge(gpu.device, ch);
    proof.discard();
    expect(checkCommitment(ch, proof.commitment, Date.now())).toMatchObject({ reason: 'DEADLINE_MISSED' });
  });

  it('uniform buffers round up to 16 bytes', () => {
    const u = uniformBuffer(gpu.device, Uint32Array.from([1, 2, 3]), 'test');
    expect(u.size).toBe(16);
    u.destroy();
  });
});
