import { DatabaseSync } from 'node:sqlite';

test('tests run on Node 24 or later (n8n 2.x and node:sqlite need it)', () => {
	const major = Number(process.versions.node.split('.')[0]);
	expect(major).toBeGreaterThanOrEqual(24);
});

test('node:sqlite is available in this runtime', () => {
	const db = new DatabaseSync(':memory:');
	expect(db.prepare('select 40 + 2 as n').get()).toEqual({ n: 42 });
	db.close();
});
