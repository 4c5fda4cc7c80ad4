/**
 * The fast tier (`npm run test:unit`): the domain core and the nodes, the nodes run in n8n-core's
 * engine from the TypeScript sources. No build, no n8n install, no browser. The full suite
 * (`npm test`, jest.config.js) adds the workflows end to end, the packed package and the real n8n.
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/n8n/', '<rootDir>/test/workflows/', '<rootDir>/test/package.test.ts'],
};
