// Copies what tsc does not emit into dist/: node icons and codex files next to each compiled node,
// credential icons, and the Handlebars report templates.
const { src, dest, parallel } = require('gulp');

function nodeAssets() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], { base: '.', encoding: false, allowEmpty: true }).pipe(dest('dist'));
}

function templates() {
	return src('templates/**/*', { base: '.', allowEmpty: true }).pipe(dest('dist'));
}

exports.build = parallel(nodeAssets, templates);
exports.default = exports.build;
