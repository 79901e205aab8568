// Test and benchmark support: build commands as clients send them. Not for product code.
export * from './commands';
