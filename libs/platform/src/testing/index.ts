// Test support for services built on the platform: import from '@gpux/platform/testing' in
// *.int-spec.ts files only. Kept out of the main entry so no product code loads jest helpers.
export * from './service-health';
