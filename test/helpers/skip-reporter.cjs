// jest loads reporters with Node's require, untransformed: compile ./skip-report.ts for it.
const { register } = require('esbuild-register/dist/node');
const { unregister } = register({ target: 'node20' });
try {
  module.exports = require('./skip-report.ts').default;
} finally {
  unregister();
}
