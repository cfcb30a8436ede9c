#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the root prepare script). It needs the
// Node.js its package.json names (the lab's .nvmrc): on an older one, say so and how to get it,
// before anything fails in a way that names something else.
const { engines } = require('../package.json');
const needed = Number(/\d+/.exec(engines.node)[0]);
if (Number(process.versions.node.split('.')[0]) < needed) {
  console.error(
    `lab: incident-lab needs Node.js ${needed} or newer (${engines.node}); this is ${process.version}.\n` +
      `  With nvm: nvm install ${needed}   (or \`nvm install\` in the repository: it reads .nvmrc)\n` +
      `  Without:  npm install --prefix ~/.node${needed} node@${needed} && export PATH="$HOME/.node${needed}/node_modules/.bin:$PATH"`,
  );
  process.exit(1);
}
require('../dist/cli.js');
