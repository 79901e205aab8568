/**
 * The certification protocol's pure core (docs/certification.md): the specified matrix generator (TypeScript
 * and WGSL), the Merkle commitment, Freivalds' check, tolerances per precision, and the protocol's
 * messages and verdict. No I/O: clocks and randomness are passed in.
 */
export * from './caller-value';
export * from './challenge';
export * from './challenge-size';
export * from './encoding';
export * from './freivalds';
export * from './merkle';
export * from './merkle-wgsl';
export * from './prng';
export * from './prng-wgsl';
export * from './products';
export * from './prover';
export * from './random';
export * from './reference';
export * from './tolerance';
export * from './verifier';
export * from './models';
