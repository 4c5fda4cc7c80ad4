/**
 * The county platform API (docs/county-api.openapi.yaml): the contract as zod schemas, the HMAC
 * signing scheme and the client. No n8n import: county integrators use it as the nodes do.
 */
export * from './schemas';
export * from './signing';
export * from './client';
